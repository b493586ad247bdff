// The emulator's check of the developer's own backend (`--endpoint`), run from the emulator itself (no browser):
// does it answer the storefront's CORS preflight, would a browser be let to read its answer to a POST, does it take
// the text/plain body the browser module sends, and, given a token, why does it refuse it. Each problem comes
// with what to change; the dev command prints them and the panel shows them.

/** What went wrong, by step. */
export type BackendProblemKind =
  /** No answer at all: connection refused, a DNS failure, or no answer within the time limit. */
  | 'unreachable'
  /** The preflight (OPTIONS) was not answered as a browser needs. */
  | 'preflight'
  /** A POST's answer lacks `Access-Control-Allow-Origin` for the storefront: the page cannot read it. */
  | 'cors'
  /** A text/plain body, the browser module's default, is refused. */
  | 'body-type'
  /** Something that is not a token was accepted. */
  | 'not-verifying'
  /** The emulator's own token was refused. */
  | 'refused';

export interface BackendProblem {
  kind: BackendProblemKind;
  /** One line: what the backend did, and what to change. */
  message: string;
}

export interface BackendCheck {
  endpoint: string;
  /** The storefront origin the check spoke for. */
  origin: string;
  problems: BackendProblem[];
  /** The backend's refusal of the emulator's token (only when a token was posted and refused). */
  refusal?: { status: number; error?: string; claim?: string };
}

export interface BackendCheckOptions {
  endpoint: string;
  /** The storefront's origin, sent as `Origin`: what `allowedOrigins` must hold. */
  origin: string;
  /** What the emulator signs with, for the hints. */
  clientId: string;
  storeHash: string;
  /** A token to post as the browser module would, to learn why the backend refuses it. */
  token?: string;
  /** Per request; default 3,000 ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;
/** What the start-up check posts: not a token, so no backend can accept it, and nobody is identified. */
const NOT_A_TOKEN = 'not-a-token';

/** Why a request got no answer, in a few words. */
function networkCause(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** The problem with an answer's `Access-Control-Allow-Origin`, or null when it lets `origin` read it. */
function allowOriginProblem(response: Response, origin: string, what: string): string | null {
  const allowed = response.headers.get('access-control-allow-origin');
  if (allowed === origin || allowed === '*') return null;
  if (allowed === null) {
    return `${what} carries no Access-Control-Allow-Origin for ${origin}: add '${origin}' to allowedOrigins`;
  }
  return `${what} allows '${allowed.slice(0, 100)}', not ${origin}: add '${origin}' to allowedOrigins`;
}

/** True when a comma-separated header list holds `item` (case-insensitively) or `*`. */
function listHas(header: string | null, item: string): boolean {
  return (header ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .some((entry) => entry === item || entry === '*');
}

/** The backend's `{"error": …, "claim": …}`, as far as it says. */
async function readRefusal(response: Response): Promise<{ error?: string; claim?: string }> {
  try {
    const body = (await response.json()) as { error?: unknown; claim?: unknown } | null;
    return {
      ...(typeof body?.error === 'string' ? { error: body.error.slice(0, 100) } : {}),
      ...(typeof body?.claim === 'string' ? { claim: body.claim.slice(0, 100) } : {}),
    };
  } catch {
    return {};
  }
}

/** What to change for a refused token, from the backend's error code and claim. */
export function refusalHint(
  refusal: { status: number; error?: string; claim?: string },
  expected: { clientId: string; storeHash: string },
): string {
  const { status, error, claim } = refusal;
  const said = `${status}${error ? ` ${error}` : ''}${claim ? ` (claim ${claim})` : ''}`;
  const hint = (() => {
    switch (error) {
      case 'signature_invalid':
        return "its clientSecret is not the emulator's: give it the CLIENT_SECRET the dev command printed (--show-secret prints a random one)";
      case 'claim_invalid':
        if (claim === 'aud') return `its clientId must be '${expected.clientId}'`;
        if (claim === undefined) {
          return `the backend did not say which claim (newer versions of this package do); check that its clientId is '${expected.clientId}'`;
        }
        return `the emulator's tokens carry BigCommerce's claims; the backend refused '${claim}'`;
      case 'store_not_allowed':
        return `its storeHash must be '${expected.storeHash}' (or its store rule must allow it)`;
      case 'token_expired':
      case 'token_not_yet_valid':
        return "check this machine's clock against the backend's";
      case undefined:
        return 'the answer named no reason';
      default:
        return `see what '${error}' means in the backend docs`;
    }
  })();
  return `refused the emulator's token: ${said}: ${hint}`;
}

/** Runs the check; never throws (every failure is a problem in the result). */
export async function checkBackend(options: BackendCheckOptions): Promise<BackendCheck> {
  const { endpoint, origin } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const problems: BackendProblem[] = [];
  const result: BackendCheck = { endpoint, origin, problems };
  const send = (init: RequestInit): Promise<Response> =>
    fetch(endpoint, {
      redirect: 'manual',
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
      ...init,
    });
  const unreachable = (error: unknown): BackendCheck => {
    problems.push({
      kind: 'unreachable',
      message: `could not connect (${networkCause(error, timeoutMs)}): is your backend running at that address?`,
    });
    return result;
  };

  // 1. The preflight a browser sends before a JSON POST (`body: 'json'`).
  let preflight: Response;
  try {
    preflight = await send({
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    await preflight.body?.cancel();
  } catch (error) {
    return unreachable(error);
  }
  if (preflight.status < 200 || preflight.status > 299) {
    problems.push({
      kind: 'preflight',
      message: `answered the CORS preflight (OPTIONS from ${origin}) with ${preflight.status}: route OPTIONS to the handler too, and add '${origin}' to allowedOrigins`,
    });
  } else {
    const origins = allowOriginProblem(preflight, origin, 'the answer to the CORS preflight');
    if (origins) problems.push({ kind: 'preflight', message: origins });
    else {
      const methods = preflight.headers.get('access-control-allow-methods');
      if (!listHas(methods, 'post')) {
        problems.push({
          kind: 'preflight',
          message: `the answer to the CORS preflight allows methods '${methods ?? ''}', not POST`,
        });
      }
      if (!listHas(preflight.headers.get('access-control-allow-headers'), 'content-type')) {
        problems.push({
          kind: 'preflight',
          message:
            "the answer to the CORS preflight does not allow the Content-Type header, which a JSON body (body: 'json') needs",
        });
      }
    }
  }

  // 2. The POST the browser module sends by default: text/plain, a CORS simple request without a preflight.
  let post: Response;
  try {
    post = await send({
      method: 'POST',
      headers: { origin, 'content-type': 'text/plain;charset=UTF-8' },
      body: NOT_A_TOKEN,
    });
    await post.body?.cancel();
  } catch (error) {
    return unreachable(error);
  }
  const readable = allowOriginProblem(post, origin, 'the answer to a POST');
  if (readable) {
    problems.push({
      kind: 'cors',
      message: `${readable} (without it the page cannot read the answer and the module reports 'network')`,
    });
  }
  if (post.status === 415) {
    problems.push({
      kind: 'body-type',
      message:
        "refused a text/plain body (415), which the browser module posts by default: update stencil-current-customer on the backend, or set the theme's current_customer_body to json",
    });
  } else if (post.status >= 200 && post.status <= 299) {
    problems.push({
      kind: 'not-verifying',
      message: `answered ${post.status} to a POST whose body is not a token: is this the endpoint made with createCurrentCustomerHandler?`,
    });
  }

  // 3. A real token, posted as the module's JSON option does (every version of the handler reads it).
  if (options.token !== undefined) {
    let answer: Response;
    try {
      answer = await send({
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ token: options.token }),
      });
    } catch (error) {
      return unreachable(error);
    }
    if (answer.status < 200 || answer.status > 299) {
      result.refusal = { status: answer.status, ...(await readRefusal(answer)) };
      problems.push({ kind: 'refused', message: refusalHint(result.refusal, options) });
    } else {
      await answer.body?.cancel();
    }
  }
  return result;
}

/** The check as lines for a terminal. */
export function formatBackendCheck(check: BackendCheck): string[] {
  if (check.problems.length === 0) {
    return [
      `your backend at ${check.endpoint} answers CORS as the storefront ${check.origin} needs`,
    ];
  }
  return check.problems.map((problem) => `your backend at ${check.endpoint}: ${problem.message}`);
}
