import { describe, expect, it } from 'vitest';

// The Lambdas run nodejs22.x, so the suite must too: a test that passes on another major can
// still fail in Lambda (an API added later, a changed default). package.json brings Node 22
// as node_modules/.bin/node, which npm scripts and npx put first on PATH (README, "Which Node
// runs what"). This runs in a vitest worker, so it checks the Node the tests themselves ran on.
const major = Number(process.versions.node.split('.')[0]);

describe(`the suite runs on Node ${process.version}`, () => {
  it('which is the major of the Lambdas, nodejs22.x', () => {
    // Printed on success too, so every run's output says which Node it tested on.
    console.info(`tests ran on Node ${process.version} (${process.platform}-${process.arch})`);
    expect(
      major,
      `Node ${process.version} from ${process.execPath}: run the tests through npm (npm test, npx vitest) after npm ci`,
    ).toBe(22);
  });
});
