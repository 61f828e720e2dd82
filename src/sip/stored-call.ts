/**
 * What a tab keeps of an answered call so that the reloaded page can take it back (#15): the
 * call's SIP dialog (RFC 3261 §12: Call-ID, tags, CSeq both ways, route set, remote target, our
 * and their URIs) and its public facts (id, direction, remote party, answered time, held,
 * muted), with a deadline (`callResumeWindowMs` after the last write). One entry per call in the
 * session store's `calls` slot (see session-store.ts for the record's version and key).
 *
 * Nothing secret: no password or digest header (the dialog needs none), no SDP (so no DTLS
 * fingerprint, no ICE password, no key): the new page makes new media and a fresh offer.
 *
 * A dialog comes back as sip.js core's own `SessionDialog`, built from a `DialogState`, registered
 * with the core under its id (so in-dialog requests reach it) and confirmed (`early: false`). Its
 * initial INVITE transaction is long gone: the dialog is given a stand-in that is neither a client
 * nor a server INVITE transaction, so it waits for no ACK, retransmits no 2xx, and its signalling
 * state starts `Initial` (the resume re-INVITE's offer and the 2xx's answer make it `Stable`).
 */
import { Core, Grammar, type URI } from 'sip.js';
import type { CallDirection } from './call-events';

/** A call taken back after a reload (call-session.ts): its stored facts and its restored dialog. */
export interface ResumedLeg {
  direction: CallDirection;
  id: string;
  remote: { user: string; displayName?: string; uri: string };
  answeredAt: number;
  held: boolean;
  muted: boolean;
  dialog: Core.Session;
}

/** The dialog of a stored call, as JSON (URIs as strings). */
export interface StoredDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our last CSeq number in this dialog (sent requests), if any. */
  localSeq: number | null;
  /** Their last CSeq number in this dialog (received requests), if any. */
  remoteSeq: number | null;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  /** Route header values, in the order requests use them. */
  routeSet: string[];
  secure: boolean;
}

/** One stored call (an entry of the `calls` slot). */
export interface StoredCall {
  /** The call's id (`call.id`), kept across the reload. */
  id: string;
  direction: CallDirection;
  remote: { user: string; displayName?: string; uri: string };
  /** When the call was answered, `Date.now()` of the page that answered it. */
  answeredAt: number;
  held: boolean;
  muted: boolean;
  dialog: StoredDialog;
  /** After this time (ms since the epoch), the call is not resumed any more. */
  deadline: number;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isSeq = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0);

function isStoredDialog(value: unknown): value is StoredDialog {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    [d.callId, d.localTag, d.remoteTag, d.localUri, d.remoteUri, d.remoteTarget].every(isString) &&
    isSeq(d.localSeq) &&
    isSeq(d.remoteSeq) &&
    Array.isArray(d.routeSet) &&
    d.routeSet.every(isString) &&
    typeof d.secure === 'boolean'
  );
}

/** Tells a {@link StoredCall} from anything else (what sessionStorage holds may be anything). */
export function isStoredCall(value: unknown): value is StoredCall {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const remote = c.remote as Record<string, unknown> | null;
  return (
    isString(c.id) &&
    (c.direction === 'outgoing' || c.direction === 'incoming') &&
    typeof remote === 'object' &&
    remote !== null &&
    isString(remote.user) &&
    isString(remote.uri) &&
    (remote.displayName === undefined || isString(remote.displayName)) &&
    typeof c.answeredAt === 'number' &&
    typeof c.held === 'boolean' &&
    typeof c.muted === 'boolean' &&
    typeof c.deadline === 'number' &&
    isStoredDialog(c.dialog)
  );
}

/** The fields of sip.js's `Dialog` that the `Session` interface does not show. */
type DialogFields = Core.Session & Pick<Core.SessionDialog, 'localSequenceNumber' | 'remoteSequenceNumber' | 'routeSet' | 'secure'>;

/** The dialog of an answered call, as it stands now. */
export function storedDialogOf(session: Core.Session): StoredDialog {
  const dialog = session as DialogFields;
  return {
    callId: dialog.callId,
    localTag: dialog.localTag,
    remoteTag: dialog.remoteTag,
    localSeq: dialog.localSequenceNumber ?? null,
    remoteSeq: dialog.remoteSequenceNumber ?? null,
    localUri: dialog.localURI.toString(),
    remoteUri: dialog.remoteURI.toString(),
    remoteTarget: dialog.remoteTarget.toString(),
    routeSet: [...dialog.routeSet],
    secure: dialog.secure,
  };
}

function uri(text: string, what: string): URI {
  const parsed = Grammar.URIParse(text);
  if (!parsed) throw new Error(`stored ${what} is not a SIP URI`);
  return parsed;
}

/**
 * The stored dialog, alive again in `core` (see the file comment).
 * @throws Error when a stored URI cannot be parsed.
 */
export function restoreDialog(core: Core.UserAgentCore, stored: StoredDialog): Core.Session {
  const state: Core.DialogState = {
    id: stored.callId + stored.localTag + stored.remoteTag,
    early: false,
    callId: stored.callId,
    localTag: stored.localTag,
    remoteTag: stored.remoteTag,
    localSequenceNumber: stored.localSeq ?? undefined,
    remoteSequenceNumber: stored.remoteSeq ?? undefined,
    localURI: uri(stored.localUri, 'local URI'),
    remoteURI: uri(stored.remoteUri, 'remote URI'),
    remoteTarget: uri(stored.remoteTarget, 'remote target'),
    routeSet: [...stored.routeSet],
    secure: stored.secure,
  };
  // The initial INVITE's transaction belongs to the old page: a stand-in without a body.
  const initial = { request: {} } as unknown as Core.InviteClientTransaction;
  return new Core.SessionDialog(initial, core, state);
}

/**
 * Calls `onChange` after each request the dialog sends or receives (each moves a CSeq, and a
 * target refresh moves the remote target), so the stored copy is kept current.
 */
export function watchDialog(session: Core.Session, onChange: () => void): void {
  const dialog = session as unknown as {
    createOutgoingRequestMessage: (...args: unknown[]) => unknown;
    receiveRequest: (message: unknown) => void;
  };
  const send = dialog.createOutgoingRequestMessage.bind(dialog);
  const receive = dialog.receiveRequest.bind(dialog);
  dialog.createOutgoingRequestMessage = (...args) => {
    const message = send(...args);
    onChange();
    return message;
  };
  dialog.receiveRequest = (message) => {
    receive(message);
    onChange();
  };
}
