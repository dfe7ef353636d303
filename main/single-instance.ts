/** What single-instance needs of Electron's `app`. */
export interface InstanceLock {
  /** app.requestSingleInstanceLock(): false when another Curbcast already runs. */
  requestLock(): boolean;
  /** app.on('second-instance'). */
  onSecondInstance(listener: () => void): void;
}

/** The studio window, as far as a hand-off needs it. */
export interface Focusable {
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

/**
 * One Curbcast per user: a second launch hands over to the first (which shows and focuses its
 * studio, or opens it if it was closed to the tray) and quits. Returns false in that second
 * instance: the caller quits before opening anything (and before starting a second node, which
 * would fight the first over the port and the library).
 */
export function claimSingleInstance(lock: InstanceLock, target: () => Focusable | undefined, reopen: () => void): boolean {
  if (!lock.requestLock()) return false;
  lock.onSecondInstance(() => {
    const window = target();
    if (!window) {
      reopen();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  });
  return true;
}
