import './style.css';
import { z } from 'zod';
import type { Share } from '../../common/api.js';
import { getStatus, openStudio, putSetInfo } from '../lib/api.js';
import { tabClientId } from '../lib/client-id.js';
import { byId, byTestId, formatElapsed } from '../lib/dom.js';
import { EventsClient } from '../lib/events-client.js';
import { validateServerEvent } from '../lib/events-schema.js';
import { NodeError, messageOf } from '../lib/node-error.js';
import { startAudience } from './audience.js';
import { Broadcast, type BroadcastState } from './broadcast.js';
import { Capture } from './capture.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { installDesktop } from './desktop.js';
import { LevelMeter } from './level-meter.js';
import type { LibraryTab } from './library-tab.js';
import { QrDialog } from './qr-dialog.js';
import { RecordingStatus } from './recording-status.js';
import { SetForm } from './set-form.js';
import { ShareCard } from './share-card.js';
import { isShortsEvent } from './shorts-events.js';
import type { ShortsTab } from './shorts-tab.js';
import { Tabs } from './tabs.js';
import { askForToken, forgetToken, takeToken, type TokenPanelElements } from './token.js';
import { installTokenRotation } from './token-rotation.js';
import { installIceSettings } from './ice-settings.js';
import { installRelaySettings } from './relay-settings.js';
import { installSimulcastToggle } from './simulcast-toggle.js';

// zod probes for eval (new Function) to speed up parsing; the CSP forbids eval, so skip the probe.
z.config({ jitless: true });

/**
 * The studio: the busker's page. Wiring only — each piece (token, capture, meter, form, broadcast,
 * share card, recording state, library, shorts, events, and the audience side: chat, moderation,
 * markers, location, profile, schedule) lives in its own module and owns its own timers and listeners. The
 * tabs only hide each other: the camera, the set and the chat go on.
 */

const tokenPanel: TokenPanelElements = {
  panel: byId('token-panel', HTMLElement),
  form: byId('token-form', HTMLFormElement),
  input: byTestId('token-input', HTMLInputElement),
  save: byTestId('token-save', HTMLButtonElement),
  message: byId('token-message', HTMLElement),
};

async function main(): Promise<void> {
  const { token, share } = await authenticate();
  byId('studio', HTMLElement).hidden = false;
  byId('topbar-stats', HTMLElement).hidden = false;
  byId('tabs', HTMLElement).hidden = false;
  startStudio(token, share);
}

/** A token the node accepts: from the URL fragment or this tab's storage, else asked for. */
async function authenticate(): Promise<{ token: string; share: Share }> {
  const known = takeToken();
  let why = '';
  if (known) {
    try {
      return { token: known, share: await openStudio(known) };
    } catch (error) {
      if (error instanceof NodeError && error.status === 401) forgetToken();
      why = error instanceof NodeError && error.status === 401 ? `${error.message} Enter the current one.` : messageOf(error);
    }
  }
  const { token, value } = await askForToken(tokenPanel, openStudio, why);
  return { token, share: value };
}

function startStudio(token: string, share: Share): void {
  // Inside the desktop app: its few native extras (a no-op in a browser).
  installDesktop();
  const goLive = byTestId('go-live', HTMLButtonElement);
  const stateEl = byTestId('state', HTMLElement);
  const detailEl = byTestId('state-detail', HTMLElement);
  const viewerCount = byTestId('viewer-count', HTMLElement);
  const elapsed = byTestId('elapsed', HTMLElement);
  const linkState = byId('link-state', HTMLElement);
  const deviceProblem = byId('device-problem', HTMLElement);

  const qrDialog = new QrDialog({
    dialog: byId('qr-dialog', HTMLDialogElement),
    code: byId('qr-dialog-code', HTMLImageElement),
    url: byId('qr-dialog-url', HTMLElement),
    close: byId('qr-dialog-close', HTMLButtonElement),
  });
  const shareCard = new ShareCard(
    {
      url: byTestId('viewer-url', HTMLElement),
      copy: byId('copy-url', HTMLButtonElement),
      qr: byTestId('qr', HTMLImageElement),
      others: byId('other-urls', HTMLElement),
      othersBox: byId('other-urls-box', HTMLElement),
      big: byTestId('qr-big', HTMLButtonElement),
    },
    (src, url) => qrDialog.open(src, url),
  );
  shareCard.show(share);

  const form = new SetForm(
    {
      title: byTestId('title', HTMLInputElement),
      hashtags: byTestId('hashtags', HTMLInputElement),
      description: byTestId('description', HTMLTextAreaElement),
      note: byId('save-note', HTMLElement),
      titleCount: byId('title-count', HTMLElement),
      descriptionCount: byId('description-count', HTMLElement),
    },
    (info) => putSetInfo(token, info),
  );
  byId('set-form', HTMLFormElement).addEventListener('submit', (event) => event.preventDefault());

  const meter = new LevelMeter(byTestId('level-meter', HTMLElement));
  const capture = new Capture({
    preview: byTestId('preview', HTMLVideoElement),
    cameraSelect: byTestId('camera-select', HTMLSelectElement),
    micSelect: byTestId('mic-select', HTMLSelectElement),
    onTrack: (kind, track) => {
      if (kind === 'audio') meter.setTrack(track);
      void broadcast.replaceTrack(track).catch((error: unknown) => (deviceProblem.textContent = messageOf(error)));
    },
    onProblem: (message) => (deviceProblem.textContent = message),
  });

  const broadcast = new Broadcast({
    token: () => token,
    tracks: () => ({ video: capture.video, audio: capture.audio }),
    prepare: () => form.flush(),
    onChange: showState,
    simulcast: installSimulcastToggle(byTestId('simulcast', HTMLInputElement)),
  });

  // "Change publish token" (Profile tab); not while this studio is sending the set.
  const tokenRotation = installTokenRotation(token, { onAir: () => broadcast.active });
  // STUN/TURN servers and "Check TURN" (Profile tab).
  const iceSettings = installIceSettings(token);
  // "Also publish to": the relay's WHIP target and its state (Live tab).
  const relaySettings = installRelaySettings(token);

  const recording = new RecordingStatus({
    state: byTestId('recording-state', HTMLElement),
    warning: byTestId('recording-warning', HTMLElement),
    warningTitle: byId('recording-warning-title', HTMLElement),
    warningDetail: byId('recording-warning-detail', HTMLElement),
  });

  // Chat goes out on the events socket (made below, once everything it feeds exists).
  const audience = startAudience(token, (text) => events.send({ type: 'chat', text }));

  const tabs = new Tabs(
    [
      { name: 'live', button: byTestId('tab-live', HTMLButtonElement), panel: byId('studio', HTMLElement) },
      { name: 'profile', button: byTestId('tab-profile', HTMLButtonElement), panel: byTestId('profile', HTMLElement) },
      { name: 'schedule', button: byTestId('tab-schedule', HTMLButtonElement), panel: byTestId('schedule', HTMLElement) },
      { name: 'library', button: byTestId('tab-library', HTMLButtonElement), panel: byTestId('library', HTMLElement) },
      { name: 'shorts', button: byTestId('tab-shorts', HTMLButtonElement), panel: byTestId('shorts', HTMLElement) },
    ],
    (name) => {
      if (name === 'library') void withLibrary((library) => library.refresh());
      else void library?.then((tab) => tab.pause());
      if (name === 'shorts') void withShorts((tab) => tab.refresh());
      else void shorts?.then((tab) => tab.pause());
      if (name === 'schedule') audience.showSchedule();
    },
  );
  // "Delete?" for a set (Library) or a short (Shorts): one dialog in the page.
  const confirmDelete = new ConfirmDialog({
    dialog: byId('delete-dialog', HTMLDialogElement),
    subject: byId('delete-dialog-subject', HTMLElement),
    problem: byId('delete-dialog-problem', HTMLElement),
    cancel: byTestId('cancel-delete', HTMLButtonElement),
    confirm: byTestId('confirm-delete', HTMLButtonElement),
    busyLabel: 'Deleting…',
  });
  // The Library's code is fetched on the first visit to its tab.
  let library: Promise<LibraryTab> | undefined;
  function withLibrary(use: (tab: LibraryTab) => Promise<void>): Promise<void> {
    library ??= import('./library-tab.js').then((module) => module.startLibrary(token, { confirm: confirmDelete, cut: cutShort }));
    return library.then(use, (error: unknown) => {
      library = undefined;
      const message = byId('library-message', HTMLElement);
      message.hidden = false;
      message.textContent = `Could not open the library (${messageOf(error)}). Reload the page.`;
    });
  }
  // The Shorts tab (gallery and clip editor) likewise, on its first visit or the first "Cut a short".
  let shorts: Promise<ShortsTab> | undefined;
  function withShorts(use: (tab: ShortsTab) => Promise<void>): Promise<void> {
    shorts ??= import('./shorts-tab.js').then((module) =>
      module.startShorts(token, { confirm: confirmDelete, toLibrary: () => tabs.select('library', true) }),
    );
    return shorts.then(use, (error: unknown) => {
      shorts = undefined;
      const message = byTestId('shorts-error', HTMLElement);
      message.hidden = false;
      message.textContent = `Could not open the shorts (${messageOf(error)}). Reload the page.`;
    });
  }
  function cutShort(recordingId: number): void {
    tabs.select('shorts');
    void withShorts((tab) => tab.open(recordingId));
  }
  /** The list changes when a set starts or ends and when its recording settles; hidden, it waits for the tab. */
  const refreshLibrary = () => {
    if (tabs.current === 'library') void withLibrary((tab) => tab.refresh());
  };

  let clock: ReturnType<typeof setInterval> | undefined;
  function showState(state: BroadcastState, detail: string): void {
    document.body.dataset.state = state;
    stateEl.textContent = state;
    detailEl.textContent = detail;
    const onAir = state === 'live' || state === 'reconnecting';
    recording.setOnAir(onAir);
    goLive.textContent = state === 'connecting' ? 'Connecting… (cancel)' : onAir ? 'End set' : 'Go live';
    goLive.classList.toggle('is-end', onAir);
    goLive.classList.toggle('is-busy', state === 'connecting');
    clearInterval(clock);
    clock = undefined;
    if (onAir) clock = setInterval(tick, 1000);
    tick();
  }
  function tick(): void {
    const since = broadcast.liveSince;
    elapsed.textContent = since === undefined ? '0:00' : formatElapsed(Date.now() - since);
  }

  goLive.addEventListener('click', () => {
    if (!broadcast.active) {
      void broadcast.goLive();
      return;
    }
    // Ending waits (briefly) for the node to confirm; one click is enough.
    goLive.disabled = true;
    void broadcast.end().finally(() => (goLive.disabled = false));
  });

  let nodeLive: boolean | undefined;
  let recordingState: string | undefined;
  const events = new EventsClient({
    validate: validateServerEvent,
    // The publish token makes this socket the busker's (answered by `welcome` with role busker).
    hello: () => ({ clientId: tabClientId(), token }),
    onStatus: (status) => {
      viewerCount.textContent = String(status.viewers);
      broadcast.nodeStatus(status.live, status.interrupted);
      if (nodeLive !== undefined && nodeLive !== status.live) refreshLibrary();
      nodeLive = status.live;
      audience.status(status);
    },
    onViewers: (count) => (viewerCount.textContent = String(count)),
    onRecording: (state) => {
      recording.show(state);
      // A recording that settles (finalised when the set ends, or failed) changes its set's row.
      if (recordingState !== undefined && recordingState !== state.state) refreshLibrary();
      recordingState = state.state;
    },
    // Shorts' events reach the Shorts tab once it is loaded; until then it loads the lists itself.
    onEvent: (event) => {
      if (event.type === 'relay') relaySettings.show(event.state);
      else if (isShortsEvent(event)) void shorts?.then((tab) => tab.event(event));
      else audience.event(event);
    },
    onServerError: (error) => audience.serverError(error.message),
    onConnectionChange: (state) => {
      linkState.hidden = state !== 'reconnecting';
      // Relay changes while the socket was down were missed: ask for the state again.
      if (state === 'open') relaySettings.refresh();
      audience.connection(state);
    },
  });

  // What the node already has (after a reload), then the camera and microphone.
  void getStatus()
    .then((status) => form.fill(status.set))
    .catch(() => undefined);
  void capture.start().then(() => meter.setTrack(capture.audio));

  // Leaving the page ends the set: ask first, then send the DELETE (keepalive) on the way out.
  window.addEventListener('beforeunload', (event) => {
    if (!broadcast.active) return;
    event.preventDefault();
    event.returnValue = '';
  });
  window.addEventListener('pagehide', () => {
    broadcast.close();
    events.close();
    meter.close();
    capture.close();
    form.close();
    shareCard.close();
    qrDialog.close();
    audience.close();
    tokenRotation.close();
    iceSettings.close();
    relaySettings.close();
    void library?.then((tab) => tab.close());
    void shorts?.then((tab) => tab.close());
    clearInterval(clock);
  });

  showState('offline', '');
}

void main();

// Back from the back/forward cache: everything was closed on the way out, so start afresh.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
