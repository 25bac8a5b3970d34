import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { customerKey } from './dynamodb-items.ts';

/** Customers whose stored phone key is remembered, the least recently used forgotten first. */
const MAX_KNOWN_PHONE_KEYS = 1_000;

/**
 * The `phoneKey` each customer item holds, as the DynamoDB customer store last read or wrote it,
 * so a save knows which phone lookup it replaces without reading the item again (callers always
 * read before they write). Bounded: a warm container meets many customers, and a forgotten one
 * costs only a read.
 */
export class StoredPhoneKeys {
  private readonly known = new Map<string, { version: number; phoneKey: string | undefined }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The `phoneKey` of the stored customer item at `atVersion` (remembered, or read), or undefined
   * when it has none or is no longer at that version: the conditional write that follows fails
   * then anyway, and the caller re-reads.
   */
  async at(customerId: string, atVersion: number): Promise<string | undefined> {
    const known = this.known.get(customerId);
    if (known?.version === atVersion) return known.phoneKey;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: customerKey(customerId),
        ConsistentRead: true,
        ProjectionExpression: '#version, phoneKey',
        ExpressionAttributeNames: { '#version': 'version' },
      }),
    );
    if (!Item || Item.version !== atVersion) return undefined;
    return typeof Item.phoneKey === 'string' ? Item.phoneKey : undefined;
  }

  /** What the item holds at `version`, as just read or written. */
  remember(customerId: string, version: number, phoneKey: string | undefined): void {
    this.known.delete(customerId);
    this.known.set(customerId, { version, phoneKey });
    if (this.known.size > MAX_KNOWN_PHONE_KEYS) this.known.delete(this.known.keys().next().value!);
  }

  /** Forgets the customer: what this process knew of the item may no longer hold. */
  forget(customerId: string): void {
    this.known.delete(customerId);
  }
}
