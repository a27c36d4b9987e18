/** The policy evaluator the template walks rely on: it must refuse as readily as it allows. */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, globMatches, referencedIds, resolveValue, type PolicyRequest } from './template-walk.js';

const request: PolicyRequest = {
  service: 'cloudwatch.amazonaws.com',
  action: 'sns:Publish',
  resource: 'arn:aws:sns:eu-west-1:111111111111:topic',
  context: { 'aws:SourceAccount': '111111111111', 'aws:SecureTransport': 'true' },
};
const allowCloudWatch = { Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: '*' };

describe('evaluatePolicy', () => {
  it('allows only through a matching Allow', () => {
    expect(evaluatePolicy({ Statement: [allowCloudWatch] }, request)).toBe('allowed');
    expect(evaluatePolicy({ Statement: [] }, request)).toBe('not allowed');
    expect(evaluatePolicy({ Statement: [{ ...allowCloudWatch, Principal: { Service: 'events.amazonaws.com' } }] }, request)).toBe('not allowed');
    expect(evaluatePolicy({ Statement: [{ ...allowCloudWatch, Action: 'sns:Subscribe' }] }, request)).toBe('not allowed');
    expect(evaluatePolicy({ Statement: [{ ...allowCloudWatch, Resource: 'arn:aws:sns:eu-west-1:111111111111:other' }] }, request)).toBe('not allowed');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const deny = { Effect: 'Deny', Principal: '*', Action: 'sns:*', Resource: '*' };
    expect(evaluatePolicy({ Statement: [allowCloudWatch, deny] }, request)).toBe('denied');
  });

  it('needs every condition to hold, and fails one whose key the request lacks', () => {
    const withAccount = (account: string) => ({ ...allowCloudWatch, Condition: { StringEquals: { 'aws:SourceAccount': account } } });
    expect(evaluatePolicy({ Statement: [withAccount('111111111111')] }, request)).toBe('allowed');
    expect(evaluatePolicy({ Statement: [withAccount('222222222222')] }, request)).toBe('not allowed');
    const withArn = { ...allowCloudWatch, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:*:*:alarm:app-*' } } };
    expect(evaluatePolicy({ Statement: [withArn] }, request)).toBe('not allowed');
    const context = { ...request.context, 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:app-x' };
    expect(evaluatePolicy({ Statement: [withArn] }, { ...request, context })).toBe('allowed');
  });

  it('applies a TLS-only Deny to plain-HTTP requests only', () => {
    const tlsOnly = { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    expect(evaluatePolicy({ Statement: [allowCloudWatch, tlsOnly] }, request)).toBe('allowed');
    const plain = { ...request, context: { ...request.context, 'aws:SecureTransport': 'false' } };
    expect(evaluatePolicy({ Statement: [allowCloudWatch, tlsOnly] }, plain)).toBe('denied');
  });

  it('throws on policy grammar it does not understand instead of guessing', () => {
    expect(() => evaluatePolicy({ Statement: [{ ...allowCloudWatch, NotAction: 'sns:Subscribe' }] }, request)).toThrow(/NotAction/);
    expect(() =>
      evaluatePolicy({ Statement: [{ ...allowCloudWatch, Condition: { NumericLessThan: { 'aws:x': '1' } } }] }, request),
    ).toThrow(/NumericLessThan/);
  });
});

describe('template values', () => {
  it('resolves pseudo parameters and joins, and names references', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':x']] };
    expect(resolveValue(arn)).toBe('arn:aws:sns:eu-west-1:111111111111:x');
    expect(resolveValue({ 'Fn::GetAtt': ['Key1', 'Arn'] })).toBe('<Key1.Arn>');
    expect(referencedIds({ 'Fn::Join': ['', [{ Ref: 'AWS::Region' }, { Ref: 'Api1' }, { 'Fn::GetAtt': ['Q1', 'Arn'] }]] })).toEqual(['Api1', 'Q1']);
  });

  it('matches IAM wildcards', () => {
    expect(globMatches('kms:GenerateDataKey*', 'kms:GenerateDataKey', true)).toBe(true);
    expect(globMatches('arn:aws:cloudwatch:r:1:alarm:app-*', 'arn:aws:cloudwatch:r:1:alarm:other', false)).toBe(false);
    expect(globMatches('a.b', 'axb', false)).toBe(false);
  });
});
