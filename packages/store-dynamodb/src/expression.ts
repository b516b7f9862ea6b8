import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Attributes } from './codec.js';

/**
 * Collects `#name` and `:value` placeholders for one request. Every attribute name goes through a
 * placeholder, so DynamoDB's reserved words (`status`, `input`, `result`, `ttl`...) never clash.
 */
export class Expression {
  readonly #names: Record<string, string> = {};
  readonly #values: Record<string, AttributeValue> = {};
  readonly #nameOf = new Map<string, string>();

  /** The placeholder of an attribute name. */
  name(attribute: string): string {
    let placeholder = this.#nameOf.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.#nameOf.size}`;
      this.#nameOf.set(attribute, placeholder);
      this.#names[placeholder] = attribute;
    }
    return placeholder;
  }

  /** A new placeholder for a value. */
  value(value: AttributeValue): string {
    const placeholder = `:v${Object.keys(this.#values).length}`;
    this.#values[placeholder] = value;
    return placeholder;
  }

  /** `#a IN (:v1, :v2)`. */
  in(attribute: string, values: readonly string[]): string {
    return `${this.name(attribute)} IN (${values.map((v) => this.value({ S: v })).join(', ')})`;
  }

  /** `SET #a = :a, ... REMOVE #b, ...` for defined and undefined attributes respectively. */
  update(attributes: Attributes, extraSet: readonly string[] = []): string {
    const set = [...extraSet];
    const remove: string[] = [];
    for (const [attribute, value] of Object.entries(attributes)) {
      if (value === undefined) remove.push(this.name(attribute));
      else set.push(`${this.name(attribute)} = ${this.value(value)}`);
    }
    return [
      set.length > 0 ? `SET ${set.join(', ')}` : '',
      remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }

  /** The request fields (omitted when empty, as DynamoDB rejects empty maps). */
  get attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  } {
    return {
      ...(Object.keys(this.#names).length > 0 ? { ExpressionAttributeNames: this.#names } : {}),
      ...(Object.keys(this.#values).length > 0 ? { ExpressionAttributeValues: this.#values } : {}),
    };
  }
}
