import * as vscode from 'vscode';
import { askerName, type AuthorshipMeta, type AuthorshipView, hunkOf } from '../authorship';
import { applyReplacements, planRevert, type RevertPlan } from '../revertPlan';
import { DEFAULT_CHUNK_CHARS } from '../../collab/burstApply';
import { lfLineCharacter } from '../sharedAuthorship';
import type { AuthorshipTracker } from './authorshipTracker';
import type { SessionAuthorship } from './sessionAuthorship';

/** A file Revert can work on: a local one (the tracker's) or a session's shared one. */
interface RevertFile {
  readonly uri: vscode.Uri;
  readonly view: AuthorshipView;
  /** For a shared file: its session text (LF), which the plan's offsets are in. */
  readonly sharedText?: string;
  forget(edits: readonly string[]): void;
}

/** Arguments the command takes from a hover link or another command (none: it asks). */
export interface RevertRequest {
  readonly scope?: 'file';
  /** The file of `scope: 'file'`, or the one file a `proposal` is reverted in. */
  readonly uri?: string;
  readonly proposal?: string;
  readonly askedBy?: string;
}

type Choice = { uri?: vscode.Uri; choose: (meta: AuthorshipMeta) => boolean; what: string };

/**
 * Tandem: Revert Assistant Edits. In one file, for one proposal, or for everything one person asked
 * for: the assistant's surviving characters go, and the text an edit replaced comes back where
 * nobody has edited that edit since. People's text is untouched. One WorkspaceEdit: one undo step.
 * In a session, shared files take part too: the edit goes through their bindings like anyone's
 * typing, so it reaches everyone and the server holds it to the session's rules (a shared file's
 * revert that restores more than a chunk of text is written into the shared text in chunks
 * instead, with progress shown, still one undo step: see SessionAuthorship.revertInChunks); a read-only
 * participant is told plainly that they cannot revert there, and nobody reverts an accepted change
 * while the host's applier is still writing it in chunks (they are told to run it again after).
 */
export async function revertAssistantEdits(
  tracker: AuthorshipTracker,
  log: vscode.LogOutputChannel,
  request: RevertRequest = {},
  session?: SessionAuthorship,
  report?: (kind: 'info' | 'error', message: string) => void,
  /** The local participant's name as a shared file's (true) or a local file's marks carry it. */
  selfName: (shared: boolean) => string | undefined = () => undefined,
  /** Told the edits a revert took back, once VS Code applied it. */
  onReverted?: (edits: readonly string[]) => void,
): Promise<number> {
  const tell = (kind: 'info' | 'error', message: string) => {
    report?.(kind, message);
    void (kind === 'error'
      ? vscode.window.showErrorMessage(message)
      : vscode.window.showInformationMessage(message));
  };
  // Files with stored marks that are not open: open them, so their marks take part.
  for (const uri of tracker.storedElsewhere()) await tracker.load(uri);
  const sharedFiles = session?.files() ?? [];
  const sharedUris = new Set(sharedFiles.map((file) => file.uri.toString()));
  const files: RevertFile[] = [
    ...sharedFiles.map((file) => ({
      uri: file.uri,
      view: file.view,
      sharedText: file.text,
      forget: (edits: readonly string[]) => session!.forget(edits),
    })),
    ...tracker
      .all()
      .filter(([uri, authorship]) => !authorship.isEmpty && !sharedUris.has(uri.toString()))
      .map(([uri, authorship]) => ({
        uri,
        view: authorship,
        forget: (edits: readonly string[]) => tracker.forget(uri, edits),
      })),
  ];
  if (files.length === 0) {
    tell('info', 'Tandem: no assistant edits to revert.');
    return 0;
  }
  const choice = await choose(files, request, selfName);
  if (!choice) return 0;
  const edit = new vscode.WorkspaceEdit();
  let removed = 0;
  let restored = 0;
  let effective = 0;
  const done: [RevertFile, string[]][] = [];
  /**
   * Shared files reverted through their bindings: the edits taken back, and the line breaks the
   * revert keeps (offsets in the shared text it leaves, `expected`).
   */
  const sharedReverts: { uri: vscode.Uri; expected: string; offsets: number[]; edits: string[] }[] = [];
  /** Shared files whose revert restores more than a chunk of text: written in chunks. */
  const chunked: { uri: vscode.Uri; plan: RevertPlan }[] = [];
  for (const file of files) {
    const { uri } = file;
    if (choice.uri && uri.toString() !== choice.uri.toString()) continue;
    const document = await vscode.workspace.openTextDocument(uri);
    const shared = file.sharedText;
    // The view's offsets are in the session's text (line breaks as \n) or in the document's.
    const plan = planRevert(file.view, choice.choose, shared ?? document.getText());
    if (plan.edits.length === 0) continue;
    if (shared !== undefined && plan.effective > 0 && session?.refusal) {
      tell('error', `Tandem: cannot revert: ${session.refusal}.`);
      return 0;
    }
    const applying = shared !== undefined ? session?.notYetRevertible(plan.edits, uri) : undefined;
    if (applying) {
      tell('error', `Tandem: cannot revert yet: ${applying}. Nothing was changed.`);
      return 0;
    }
    if (shared !== undefined && document.getText().replace(/\r\n/g, '\n') !== shared) {
      tell(
        'error',
        `Tandem: ${vscode.workspace.asRelativePath(uri)} is still catching up with the session; nothing was changed. Try again in a moment.`,
      );
      return 0;
    }
    if (shared !== undefined && session?.isLargeRevert(plan.replacements)) {
      // Large: written into the shared text in chunks once the rest is applied (see below).
      chunked.push({ uri, plan });
      done.push([file, plan.edits]);
      effective += plan.effective;
      removed += plan.removed;
      restored += plan.restored;
      continue;
    }
    const positionAt = (offset: number) => {
      if (shared === undefined) return document.positionAt(offset);
      const { line, character } = lfLineCharacter(shared, offset);
      return new vscode.Position(line, character);
    };
    for (const { offset, length, text } of plan.replacements)
      edit.replace(uri, new vscode.Range(positionAt(offset), positionAt(offset + length)), text);
    done.push([file, plan.edits]);
    if (shared !== undefined)
      sharedReverts.push({
        uri,
        expected: applyReplacements(shared, plan.replacements),
        offsets: plan.keptLineBreaks,
        edits: plan.takenBack,
      });
    effective += plan.effective;
    removed += plan.removed;
    restored += plan.restored;
  }
  if (effective === 0) {
    // What is left of them changes nothing (people deleted or undid it all): forget them.
    for (const [file, edits] of done) file.forget(edits);
    tell('info', `Tandem: no assistant edits ${choice.what}.`);
    return 0;
  }
  // Local files' marks before and after: Undo and Redo of the revert bring each back (a shared
  // file's come back with its characters).
  const remember = (after: boolean) => {
    for (const [file] of done)
      if (file.sharedText === undefined) {
        const document = vscode.workspace.textDocuments.find(
          (candidate) => candidate.uri.toString() === file.uri.toString(),
        );
        if (document) tracker.rememberAroundRevert(document, after);
      }
  };
  remember(false);
  const sharedUrisDone = done.filter(([file]) => file.sharedText !== undefined).map(([file]) => file.uri);
  // The revert in a shared file, its edits marked as reverted and the line breaks it kept as people's:
  // one undo step.
  const release = session?.oneUndoStep(sharedUrisDone);
  let applied: boolean;
  try {
    applied = edit.size === 0 || (await vscode.workspace.applyEdit(edit));
    if (applied)
      for (const { uri, expected, offsets, edits } of sharedReverts)
        if (!(await session?.finishRevert(uri, expected, offsets, edits)))
          log.warn(
            `Revert: ${vscode.workspace.asRelativePath(uri)} changed meanwhile; the line breaks it kept still carry the assistant's mark`,
          );
  } finally {
    release?.();
  }
  if (!applied) {
    tell('error', 'Tandem: VS Code refused the revert; nothing was changed.');
    return 0;
  }
  // Large shared reverts, one file after another, in chunks (each one undo step in its file).
  const refused: string[] = [];
  for (const { uri, plan } of chunked) {
    const name = vscode.workspace.asRelativePath(uri);
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Window,
        title: `Tandem: reverting the assistant's edits in ${name}`,
      },
      async (progress) => {
        let shown = 0;
        return session!.revertInChunks(uri, choice.choose, (done, total) => {
          const now = total > 0 ? Math.floor((100 * done) / total) : 100;
          progress.report({ increment: now - shown, message: `${now}% written` });
          shown = now;
        });
      },
    );
    // The figures (and edits to forget) are the plan it wrote, made again on the text as it was then.
    const at = done.findIndex(([file]) => file.uri.toString() === uri.toString());
    effective -= plan.effective;
    removed -= plan.removed;
    restored -= plan.restored;
    if ('refused' in result) {
      refused.push(`${name}: ${result.refused}`);
      if (at !== -1) done.splice(at, 1);
    } else {
      if (at !== -1) done[at] = [done[at][0], result.plan.edits];
      effective += result.plan.effective;
      removed += result.plan.removed;
      restored += result.plan.restored;
      log.info(
        `Revert: ${name} written in ${result.transactions} chunk(s) of at most ${DEFAULT_CHUNK_CHARS} characters`,
      );
    }
  }
  if (refused.length > 0 && done.length === 0) {
    tell('error', `Tandem: cannot revert: ${refused.join('; ')}. Nothing was changed.`);
    return 0;
  }
  if (refused.length > 0) tell('error', `Tandem: not reverted in ${refused.join('; ')}.`);
  for (const [file, edits] of done) file.forget(edits);
  remember(true);
  onReverted?.(done.flatMap(([, edits]) => edits));
  const count = effective;
  log.info(
    `Reverted ${count} assistant edit(s) ${choice.what} in ${done.length} file(s): ${removed} character(s) removed, ${restored} replaced text(s) restored`,
  );
  tell(
    'info',
    `Tandem: reverted ${count} assistant change${count === 1 ? '' : 's'} ${choice.what}: ${removed} character${removed === 1 ? '' : 's'} removed, ${restored} original text${restored === 1 ? '' : 's'} put back. Undo brings them back.`,
  );
  return count;
}

async function choose(
  files: readonly RevertFile[],
  request: RevertRequest,
  selfName: (shared: boolean) => string | undefined,
): Promise<Choice | undefined> {
  if (request.proposal) {
    // With a file: that proposal's edits in that file only (the panel's per-file summary).
    const uri = request.uri ? vscode.Uri.parse(request.uri) : undefined;
    return {
      uri,
      choose: (m) => m.proposal === request.proposal,
      what: `of proposal ${request.proposal}${uri ? ` in ${vscode.workspace.asRelativePath(uri)}` : ''}`,
    };
  }
  // One's own requests read as "you", as in the summary (their marks carry one's OS or session name).
  const asker = (askedBy: string) =>
    files.some((file) => askedBy === selfName(file.sharedText !== undefined)) ? 'you' : askedBy;
  if (request.askedBy)
    return { choose: (m) => m.askedBy === request.askedBy, what: `asked for by ${asker(request.askedBy)}` };
  const active = vscode.window.activeTextEditor?.document.uri;
  if (request.scope === 'file') {
    const uri = request.uri ? vscode.Uri.parse(request.uri) : active;
    return uri ? { uri, choose: () => true, what: `in ${vscode.workspace.asRelativePath(uri)}` } : undefined;
  }
  const hereHasMarks = active && files.some(({ uri }) => uri.toString() === active.toString());
  const scope = await vscode.window.showQuickPick(
    [
      ...(hereHasMarks
        ? [{ label: 'In this file', description: vscode.workspace.asRelativePath(active), id: 'file' }]
        : []),
      { label: 'For one proposal…', id: 'proposal' },
      { label: 'Everything one person asked for…', id: 'person' },
    ],
    { title: 'Revert Assistant Edits', placeHolder: 'Which of the assistant’s edits to take back' },
  );
  if (!scope) return undefined;
  if (scope.id === 'file' && active)
    return { uri: active, choose: () => true, what: `in ${vscode.workspace.asRelativePath(active)}` };
  const key = scope.id === 'proposal' ? 'proposal' : 'askedBy';
  const counts = new Map<
    string,
    { hunks: Set<string>; model: string; at: number; files: Set<string>; askedBy: Set<string> }
  >();
  for (const { uri, view, sharedText } of files)
    for (const { meta } of view.edits.values()) {
      const entry = counts.get(meta[key]) ?? {
        hunks: new Set(),
        model: meta.model,
        at: meta.at,
        files: new Set(),
        askedBy: new Set(),
      };
      entry.hunks.add(hunkOf(meta.edit));
      entry.askedBy.add(askerName(meta.askedBy, selfName(sharedText !== undefined)));
      entry.at = Math.max(entry.at, meta.at);
      entry.files.add(vscode.workspace.asRelativePath(uri));
      counts.set(meta[key], entry);
    }
  const picked = await vscode.window.showQuickPick(
    [...counts]
      .sort((a, b) => b[1].at - a[1].at)
      .map(([value, entry]) => ({
        label: key === 'askedBy' ? [...entry.askedBy].join(', ') : value,
        description: `${entry.hunks.size} change${entry.hunks.size === 1 ? '' : 's'}${key === 'proposal' ? ` · ${entry.model} · asked by ${[...entry.askedBy].join(', ')}` : ''}`,
        // Which files it touched and when: what tells two proposals (or people's requests) apart.
        detail: `${[...entry.files].sort().join(', ')} · ${new Date(entry.at).toLocaleString()}`,
        value,
      })),
    {
      title:
        scope.id === 'proposal'
          ? 'Revert the edits of which proposal?'
          : 'Revert the edits the assistant made for whom?',
      matchOnDetail: true,
    },
  );
  if (!picked) return undefined;
  return key === 'proposal'
    ? { choose: (m) => m.proposal === picked.value, what: `of proposal ${picked.value}` }
    : { choose: (m) => m.askedBy === picked.value, what: `asked for by ${asker(picked.value)}` };
}
