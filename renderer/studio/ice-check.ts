/**
 * "Check TURN": for each configured STUN/TURN address, this browser gathers candidates through it
 * with the credentials the node mints for viewers (GET /api/ice) and says, in words, what happened.
 * A TURN server that refuses the credentials answers 401, which browsers report as an
 * `icecandidateerror` — without this check it only shows as a viewer's black player.
 */

export interface IceCheckResult {
  url: string;
  ok: boolean;
  message: string;
}

/** Longest wait for one address, ms (a TURN server that does not answer at all takes this long). */
const CHECK_TIMEOUT_MS = 6000;

interface Gathered {
  relay: string | undefined;
  reflexive: string | undefined;
  errors: Array<{ code: number; text: string }>;
}

/** Checks every URL of every server, one peer connection each, all at once. */
export function checkIceServers(servers: RTCIceServer[], realmOf: (url: string) => string | undefined = () => undefined): Promise<IceCheckResult[]> {
  const checks = servers.flatMap((server) => {
    const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
    return urls.map((url) => checkOne({ ...server, urls: [url] }, url, realmOf(url)));
  });
  return Promise.all(checks);
}

async function checkOne(server: RTCIceServer, url: string, realm: string | undefined): Promise<IceCheckResult> {
  const turn = /^turns?:/i.test(url);
  const kind = turn ? 'TURN' : 'STUN';
  let gathered: Gathered;
  try {
    gathered = await gather(server, turn);
  } catch (error) {
    return { url, ok: false, message: `${kind} server ${url}: this browser refused the address (${error instanceof Error ? error.message : String(error)}).` };
  }
  if (turn && gathered.relay) return { url, ok: true, message: `TURN server ${url} works: it relays through ${gathered.relay}.` };
  if (!turn && gathered.reflexive) return { url, ok: true, message: `STUN server ${url} works: it sees this computer as ${gathered.reflexive}.` };
  const error = gathered.errors.find((e) => e.code === 401 || e.code === 403 || e.code === 437 || e.code === 441) ?? gathered.errors[0];
  if (error) return { url, ok: false, message: explain(kind, url, error, server, realm) };
  if (!turn) {
    // A STUN server on this computer's own network sees the host address, which browsers do not repeat.
    return { url, ok: true, message: `STUN server ${url} answered nothing new (normal when it is on this network).` };
  }
  return { url, ok: false, message: `TURN server ${url} gave no relay address within ${CHECK_TIMEOUT_MS / 1000} s: is it running, and is the address right?` };
}

function explain(kind: string, url: string, error: { code: number; text: string }, server: RTCIceServer, realm: string | undefined): string {
  const reason = `${error.code}${error.text ? ` ${error.text.replace(/\.$/, '')}` : ''}`;
  // A minted username is "<expiry>:<id>": the credentials are TURN REST (coturn's use-auth-secret).
  const rest = /^\d+:/.test(server.username ?? '');
  switch (error.code) {
    case 401:
    case 441:
      return rest
        ? `TURN server ${url} refused the credentials (${reason}): check the shared secret and realm — the secret must equal coturn's static-auth-secret, with use-auth-secret and a realm= set.`
        : `TURN server ${url} refused the credentials (${reason}): check the username, password and realm${realm ? ` (coturn's realm= must be "${realm}")` : ''}.`;
    case 403:
      return `TURN server ${url} forbids this (${reason}): its allowed or denied peer addresses may exclude the node.`;
    case 437:
      return `TURN server ${url} says the allocation does not match (${reason}); try again.`;
    case 486:
      return `TURN server ${url} has too many allocations for this user (${reason}): raise its user-quota.`;
    case 508:
      return `TURN server ${url} has no relay ports left (${reason}): widen its min-port/max-port.`;
    case 701:
      return `${kind} server ${url} could not be reached (${reason}): is it running, is the port right, does a firewall block it?`;
    default:
      return `${kind} server ${url} failed (${reason}).`;
  }
}

function gather(server: RTCIceServer, relayOnly: boolean): Promise<Gathered> {
  const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: relayOnly ? 'relay' : 'all' });
  const gathered: Gathered = { relay: undefined, reflexive: undefined, errors: [] };
  return new Promise<Gathered>((resolve, reject) => {
    const timer = setTimeout(finish, CHECK_TIMEOUT_MS);
    pc.addEventListener('icecandidate', (event) => {
      const candidate = event.candidate;
      if (!candidate) return finish();
      const address = candidate.address ? `${candidate.address}:${candidate.port ?? ''}` : candidate.candidate;
      if (candidate.type === 'relay') {
        gathered.relay ??= address;
        finish();
      } else if (candidate.type === 'srflx') gathered.reflexive ??= address;
    });
    pc.addEventListener('icecandidateerror', (event) => {
      const e = event as RTCPeerConnectionIceErrorEvent;
      gathered.errors.push({ code: e.errorCode, text: e.errorText });
    });
    pc.createDataChannel('check');
    pc.createOffer()
      .then((offer) => pc.setLocalDescription(offer))
      .catch((error: unknown) => {
        clearTimeout(timer);
        pc.close();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    function finish() {
      clearTimeout(timer);
      pc.close();
      resolve(gathered);
    }
  });
}
