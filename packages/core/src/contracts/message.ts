/** Health of one field or section, rendered by each channel in its own medium. */
export type Health = 'ok' | 'warn' | 'critical' | 'unknown';

/** One labelled value, e.g. `Memory: 41% of 16 GiB`. */
export interface Field {
  /** Short label. */
  label: string;
  /** The value, plain text. */
  value: string;
  /** Optional health mark. */
  health?: Health;
}

/** A titled group of fields, e.g. one host in `status`. */
export interface Section {
  /** Section title. */
  title: string;
  /** Overall health of the section. */
  health?: Health;
  /** The fields, in display order. */
  fields: Field[];
  /** Optional free text under the fields (markdown). */
  note?: string;
}

/** What a person must see to decide an approval. */
export interface ApprovalView {
  /** Approval id, typed back in `approve <id>`. */
  id: string;
  /** Remediation name. */
  remediation: string;
  /** Exactly what will run and where, e.g. `reboot instance i-0abc in eu-west-1`. */
  action: string;
  /** Risk level of the remediation. */
  risk: 'low' | 'medium' | 'high';
  /** Why it was proposed. */
  reason: string;
  /** Who or what proposed it. */
  requestedBy: string;
  /** When the request lapses. */
  expiresAt: Date;
}

/** One block of an outbound message. */
export type Block =
  | { type: 'text'; text: string }
  | { type: 'section'; section: Section }
  | { type: 'approval'; approval: ApprovalView };

/** Set on the reply to an approval decision, so a channel can update the request it showed. */
export interface DecisionNote {
  /** The approval the decision was about. */
  approvalId: string;
  /** `decided` when this decision took effect; otherwise why it did not. */
  outcome: 'decided' | 'not_found' | 'forbidden' | 'expired' | 'already_decided';
  /** The approval's status after the attempt (e.g. `rejected`, `succeeded`), when it exists. */
  status?: string;
  /** Who decided it, when someone has. */
  decidedBy?: string;
}

/**
 * A structured outbound message. Plugins describe *what* to say; each channel renders it
 * (plain text in a terminal, Block Kit in Slack, styled text in Signal).
 */
export interface OutboundMessage {
  /** The content, in order. Text blocks are markdown. */
  blocks: Block[];
  /** What kind of message this is, so channels can style alerts and progress differently. */
  kind?: 'reply' | 'progress' | 'alert' | 'notice';
  /** On the reply to an approval decision: which approval and how it stands now. */
  decision?: DecisionNote;
}

/** A plain markdown reply. */
export function textMessage(
  text: string,
  kind: OutboundMessage['kind'] = 'reply',
): OutboundMessage {
  return { blocks: [{ type: 'text', text }], kind };
}
