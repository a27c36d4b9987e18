/**
 * Reading a synthesised CloudFormation template the way AWS will: references followed from one
 * resource to the next, intrinsic functions resolved against a fixed account and region, and
 * resource policies evaluated for one request (an explicit Deny wins, else some Allow must match).
 * Test code only: it understands the policy grammar this stack uses and throws on anything else,
 * so an unfamiliar construct fails the test instead of being waved through.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Resource {
  Type: string;
  Properties?: Record<string, any>;
}
export interface CfnTemplate {
  Resources: Record<string, Resource>;
}

/** The account, region and partition the template is evaluated in. */
export const ENV = { accountId: '111111111111', region: 'eu-west-1', partition: 'aws' } as const;

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ENV.accountId,
  'AWS::Region': ENV.region,
  'AWS::Partition': ENV.partition,
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * A value as a string: pseudo parameters become ENV, `Ref`/`Fn::GetAtt` of a resource become a
 * stable placeholder (`<Ref X>`, `<X.Arn>`) that equals itself wherever it appears.
 */
export function resolveValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      if (fn === 'Ref' && typeof arg === 'string') return PSEUDO[arg] ?? `<Ref ${arg}>`;
      if (fn === 'Fn::GetAtt' && Array.isArray(arg)) return `<${arg.join('.')}>`;
      if (fn === 'Fn::Join' && Array.isArray(arg)) {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map(resolveValue).join(separator);
      }
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** Logical ids of the resources a value refers to through `Ref` or `Fn::GetAtt`, at any depth. */
export function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref.startsWith('AWS::') ? [] : [record.Ref];
  if (Array.isArray(record['Fn::GetAtt'])) return [String(record['Fn::GetAtt'][0])];
  return Object.values(record).flatMap(referencedIds);
}

/** The one resource a value refers to, or an error naming what it found instead. */
export function referencedResource(template: CfnTemplate, value: unknown): [string, Resource] {
  const ids = referencedIds(value);
  const id = ids[0];
  if (ids.length !== 1 || id === undefined || template.Resources[id] === undefined) {
    throw new Error(`expected a reference to one resource, found ${JSON.stringify(value)}`);
  }
  return [id, template.Resources[id]];
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** What a resource policy is asked: may this principal do this action on this resource, in this context? */
export interface PolicyRequest {
  /** A service principal such as `cloudwatch.amazonaws.com`. */
  service: string;
  action: string;
  resource: string;
  /** Request context keys (`aws:SourceAccount`, `aws:SourceArn`, `aws:SecureTransport`), as strings. */
  context: Record<string, string>;
}

export type Decision = 'allowed' | 'denied' | 'not allowed';

/** IAM's evaluation of one resource policy: an explicit Deny wins, else an Allow is needed. */
export function evaluatePolicy(document: { Statement: unknown }, request: PolicyRequest): Decision {
  const matching = asList(document.Statement as Record<string, unknown>[]).filter((s) => statementMatches(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'denied';
  return matching.some((s) => s.Effect === 'Allow') ? 'allowed' : 'not allowed';
}

function statementMatches(statement: Record<string, unknown>, request: PolicyRequest): boolean {
  for (const unsupported of ['NotPrincipal', 'NotAction', 'NotResource']) {
    if (unsupported in statement) throw new Error(`${unsupported} is not understood by this walk`);
  }
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw new Error(`Effect ${String(statement.Effect)}`);
  return (
    principalMatches(statement.Principal, request.service) &&
    asList(statement.Action as string | string[]).some((action) => globMatches(action, request.action, true)) &&
    asList(statement.Resource).some((resource) => globMatches(resolveValue(resource), request.resource, false)) &&
    conditionsHold(statement.Condition as Record<string, Record<string, unknown>> | undefined, request.context)
  );
}

function principalMatches(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  if (principal === null || typeof principal !== 'object') throw new Error(`Principal ${JSON.stringify(principal)}`);
  const { AWS, Service, ...rest } = principal as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new Error(`Principal ${JSON.stringify(principal)}`);
  // An account or role principal never matches a service principal; "*" matches everyone.
  return asList(AWS).some((p) => p === '*') || asList(Service as string | string[]).includes(service);
}

/** IAM's wildcards: `*` any run of characters, `?` one character. */
export function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

const OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (expected, actual) => expected === actual,
  StringLike: (expected, actual) => globMatches(expected, actual, false),
  ArnEquals: (expected, actual) => expected === actual,
  ArnLike: (expected, actual) => globMatches(expected, actual, false),
  Bool: (expected, actual) => expected.toLowerCase() === actual.toLowerCase(),
};

/** Every operator and key must hold (AND); any of a key's values may match (OR); a missing key fails. */
function conditionsHold(condition: Record<string, Record<string, unknown>> | undefined, context: Record<string, string>): boolean {
  if (condition === undefined) return true;
  const contextKey = (key: string) => Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return Object.entries(condition).every(([operator, keys]) => {
    const compare = OPERATORS[operator];
    if (compare === undefined) throw new Error(`condition operator ${operator} is not understood by this walk`);
    return Object.entries(keys).every(([key, expected]) => {
      const found = contextKey(key);
      if (found === undefined) return false;
      return asList(expected).some((value) => compare(resolveValue(value), context[found]!));
    });
  });
}
