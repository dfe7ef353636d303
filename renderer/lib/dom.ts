/** The element tests (and the page) know by `data-testid`; throws when the page is not as built. */
export function byTestId<T extends Element>(id: string, type: abstract new () => T): T {
  return byQuery(`[data-testid="${id}"]`, type);
}

export function byId<T extends Element>(id: string, type: abstract new () => T): T {
  return byQuery(`#${id}`, type);
}

export function byQuery<T extends Element>(selector: string, type: abstract new () => T): T {
  const element = document.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`The page has no ${type.name} at ${selector}.`);
  return element;
}

/** Elapsed time as H:MM:SS (or M:SS under an hour), for a set's running clock. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** A new element with a class and (as text, never HTML) its content. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
