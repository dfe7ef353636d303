/**
 * "Adaptive quality for viewers": whether the studio sends simulcast. On by default (it costs the
 * laptop little: see BENCHMARKS in README); remembered in this browser. Read when a session
 * starts, so a change takes effect at the next Go live (or reconnection).
 */
const STORAGE_KEY = 'curbcast.simulcast';

export function installSimulcastToggle(input: HTMLInputElement): () => boolean {
  input.checked = readSetting();
  input.addEventListener('change', () => {
    try {
      localStorage.setItem(STORAGE_KEY, input.checked ? 'on' : 'off');
    } catch {
      // Private mode or storage full: the choice holds for this page only.
    }
  });
  return () => input.checked;
}

function readSetting(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) !== 'off';
  } catch {
    return true;
  }
}
