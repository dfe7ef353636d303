import type { LocationState, Status } from '../../common/api.js';
import { PLACE_MAX, type LocationInput, type PublicLocation } from '../../common/location.js';
import { visibleLength } from '../../common/text.js';
import { messageOf } from '../lib/node-error.js';

export interface LocationFormElements {
  form: HTMLFormElement;
  /** Consent, for this set only: unticked by default, and the node unticks it when a set ends. */
  share: HTMLInputElement;
  place: HTMLInputElement;
  placeCount: HTMLElement;
  lat: HTMLInputElement;
  lon: HTMLInputElement;
  /** "Use my current position" (hidden without geolocation). */
  here: HTMLButtonElement;
  exact: HTMLInputElement;
  approximate: HTMLInputElement;
  save: HTMLButtonElement;
  note: HTMLElement;
  error: HTMLElement;
  /** "Viewers see: <place> (approximate)" or "Viewers see no location". */
  shown: HTMLElement;
  /** "— while you are live" / "— once you go live". */
  when: HTMLElement;
}

export interface LocationFormOptions {
  load: () => Promise<LocationState>;
  save: (input: LocationInput) => Promise<LocationState>;
}

/**
 * Where the busker plays, beside the set form. Nothing is shared unless the box is ticked and
 * saved; the node switches sharing off when the set ends, and the form follows it then. Below the
 * form, what viewers are (or will be, once live) shown: the node's own public form of it.
 */
export class LocationForm {
  readonly #el: LocationFormElements;
  readonly #options: LocationFormOptions;
  #dirty = false;
  #live = false;
  #statusLocation = 'null';
  #shown: PublicLocation | null = null;

  constructor(elements: LocationFormElements, options: LocationFormOptions) {
    this.#el = elements;
    this.#options = options;
    elements.share.checked = false;
    elements.here.hidden = !('geolocation' in navigator);
    elements.form.addEventListener('input', this.#onInput);
    elements.form.addEventListener('submit', this.#onSubmit);
    elements.here.addEventListener('click', this.#onHere);
    elements.lat.addEventListener('change', this.#onLatChange);
    this.#count();
    this.#renderShown();
  }

  /** GET /api/location: the draft (unless the busker is editing it) and what viewers see. */
  async reload(setEnded = false): Promise<void> {
    try {
      const state = await this.#options.load();
      if (!this.#dirty) this.#fill(state.location);
      // The node withdrew consent when the set ended: the box must not stay ticked.
      else if (setEnded) this.#el.share.checked = state.location.share;
      this.#shown = state.shown;
      this.#renderShown();
    } catch (error) {
      this.#showError(`Could not load the location: ${messageOf(error)}`);
    }
  }

  /** Every `status`: reloads when a set starts or ends, or when what viewers see changed. */
  status(status: Status): void {
    const location = JSON.stringify(status.location);
    const ended = this.#live && !status.live;
    const changed = status.live !== this.#live || location !== this.#statusLocation;
    this.#live = status.live;
    this.#statusLocation = location;
    if (changed) void this.reload(ended);
    else this.#renderShown();
  }

  close(): void {
    this.#el.form.removeEventListener('input', this.#onInput);
    this.#el.form.removeEventListener('submit', this.#onSubmit);
    this.#el.here.removeEventListener('click', this.#onHere);
    this.#el.lat.removeEventListener('change', this.#onLatChange);
  }

  readonly #onInput = (): void => {
    this.#dirty = true;
    this.#note('Not saved yet…');
    this.#showError('');
    this.#count();
  };

  readonly #onSubmit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const lat = parseCoordinate(this.#el.lat.value, 'Latitude', 90);
    const lon = parseCoordinate(this.#el.lon.value, 'Longitude', 180);
    const problem = [lat, lon].find((value) => typeof value === 'string');
    if (typeof problem === 'string') {
      this.#showError(problem);
      return;
    }
    const input: LocationInput = {
      share: this.#el.share.checked,
      place: this.#el.place.value,
      lat: lat as number | null,
      lon: lon as number | null,
      precision: this.#el.exact.checked ? 'exact' : 'approximate',
    };
    this.#el.save.disabled = true;
    this.#showError('');
    this.#note('Saving…');
    try {
      const state = await this.#options.save(input);
      this.#dirty = false;
      this.#fill(state.location);
      this.#shown = state.shown;
      this.#renderShown();
      this.#note('Saved');
    } catch (error) {
      this.#note('Not saved');
      this.#showError(messageOf(error));
    } finally {
      this.#el.save.disabled = false;
    }
  };

  /** Fills latitude and longitude from the device; the busker still decides to share and saves. */
  readonly #onHere = (): void => {
    const button = this.#el.here;
    button.disabled = true;
    button.textContent = 'Finding you…';
    this.#showError('');
    const done = () => {
      button.disabled = false;
      button.textContent = 'Use my current position';
    };
    navigator.geolocation.getCurrentPosition(
      (position) => {
        done();
        this.#el.lat.value = position.coords.latitude.toFixed(6);
        this.#el.lon.value = position.coords.longitude.toFixed(6);
        this.#onInput();
        this.#note('Position filled in — save to use it');
      },
      (error) => {
        done();
        this.#showError(geolocationProblem(error));
      },
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
    );
  };

  /** "53.3412, -6.2602" pasted into the latitude field fills both. */
  readonly #onLatChange = (): void => {
    const pair = /^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(this.#el.lat.value);
    if (!pair?.[1] || !pair[2]) return;
    this.#el.lat.value = pair[1];
    this.#el.lon.value = pair[2];
  };

  #fill(location: LocationInput): void {
    this.#el.share.checked = location.share;
    this.#el.place.value = location.place;
    this.#el.lat.value = location.lat === null ? '' : String(location.lat);
    this.#el.lon.value = location.lon === null ? '' : String(location.lon);
    this.#el.exact.checked = location.precision === 'exact';
    this.#el.approximate.checked = location.precision !== 'exact';
    this.#count();
  }

  #renderShown(): void {
    const shown = this.#shown;
    this.#el.shown.textContent = shown ? `Viewers see: ${describe(shown)} (${shown.precision})` : 'Viewers see no location';
    this.#el.shown.parentElement?.classList.toggle('is-shared', shown !== null);
    this.#el.when.textContent = shown === null ? '' : this.#live ? '— now, while you are live' : '— once you go live';
  }

  #count(): void {
    const length = visibleLength(this.#el.place.value.trim());
    this.#el.placeCount.textContent = `${length}/${PLACE_MAX}`;
    this.#el.placeCount.classList.toggle('over', length > PLACE_MAX);
  }

  #note(text: string): void {
    this.#el.note.textContent = text;
  }

  #showError(message: string): void {
    this.#el.error.textContent = message;
    this.#el.error.hidden = message === '';
  }
}

/** The place's name, or the point when it has none. */
function describe(shown: PublicLocation): string {
  if (shown.place) return shown.place;
  if (shown.lat !== null && shown.lon !== null) return `${shown.lat}, ${shown.lon}`;
  return 'a location';
}

/** '' → null; "53,34" is read as 53.34; otherwise a number within ±limit, or why not. */
function parseCoordinate(text: string, what: string, limit: number): number | null | string {
  let value = text.trim();
  if (value === '') return null;
  if (!value.includes('.')) value = value.replace(',', '.');
  const number = Number(value);
  if (!Number.isFinite(number)) return `${what} must be a number, like ${what === 'Latitude' ? '53.3412' : '-6.2602'}.`;
  if (Math.abs(number) > limit) return `${what} is between -${limit} and ${limit}.`;
  return number;
}

function geolocationProblem(error: GeolocationPositionError): string {
  switch (error.code) {
    case error.PERMISSION_DENIED:
      return 'This device did not allow the studio to know its position. Allow it, or type the place or coordinates.';
    case error.POSITION_UNAVAILABLE:
      return 'This device could not find its position. Type the place or coordinates instead.';
    case error.TIMEOUT:
      return 'Finding the position took too long. Try again, or type the place or coordinates.';
    default:
      return error.message || 'Could not find the position.';
  }
}
