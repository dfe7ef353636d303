export interface Tab<Name extends string> {
  name: Name;
  button: HTMLButtonElement;
  panel: HTMLElement;
}

/**
 * The header's "Live" and "Library" tabs (WAI-ARIA tabs: arrow keys move between them). Switching
 * only hides a panel: whatever runs in the other one (camera, broadcast) keeps running.
 */
export class Tabs<Name extends string> {
  readonly #tabs: ReadonlyArray<Tab<Name>>;
  readonly #onSelect: (name: Name) => void;
  #current: Name;

  constructor(tabs: ReadonlyArray<Tab<Name>>, onSelect: (name: Name) => void) {
    const first = tabs[0];
    if (!first) throw new Error('Tabs need at least one tab.');
    this.#tabs = tabs;
    this.#onSelect = onSelect;
    this.#current = first.name;
    for (const tab of tabs) {
      tab.button.addEventListener('click', () => this.select(tab.name));
      tab.button.addEventListener('keydown', this.#onKey);
    }
    this.#render();
  }

  get current(): Name {
    return this.#current;
  }

  select(name: Name, focus = false): void {
    const changed = name !== this.#current;
    this.#current = name;
    this.#render();
    if (focus) this.#tabs.find((tab) => tab.name === name)?.button.focus();
    if (changed) this.#onSelect(name);
  }

  #render(): void {
    for (const tab of this.#tabs) {
      const selected = tab.name === this.#current;
      tab.button.setAttribute('aria-selected', String(selected));
      tab.button.tabIndex = selected ? 0 : -1;
      tab.panel.hidden = !selected;
    }
  }

  readonly #onKey = (event: KeyboardEvent): void => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const index = this.#tabs.findIndex((tab) => tab.name === this.#current);
    const next = this.#tabs[(index + step + this.#tabs.length) % this.#tabs.length];
    if (next) this.select(next.name, true);
  };
}
