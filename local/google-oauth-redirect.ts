import type { ClientRequestArgs } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The local stack's one concession to Google's hard-coded OAuth endpoint: firebase-admin's
 * credential (google-auth-library -> gaxios -> node-fetch) asks `https://oauth2.googleapis.com/token`
 * for its access token and passes no agent, so node uses `https.globalAgent`. This agent sends
 * connections for *.googleapis.com as plain TCP to the local FCM fake (which answers `/token`);
 * every other host gets ordinary TLS. The function code is unchanged: it sends FCM itself to
 * FCM_API_BASE_URL, and its credential never learns it is local.
 */
class GoogleApisRedirectAgent extends https.Agent {
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const target = String(options.host ?? options.hostname ?? '');
    if (target === 'googleapis.com' || target.endsWith('.googleapis.com')) {
      return net.connect(this.port, this.host);
    }
    return super.createConnection(options, callback);
  }
}

/** Installs the redirect on this thread (`baseUrl` is the FCM fake's); returns an undo. */
export function redirectGoogleApis(baseUrl: string): () => void {
  const url = new URL(baseUrl);
  const port = url.port === '' ? 80 : Number(url.port);
  const previous = https.globalAgent;
  https.globalAgent = new GoogleApisRedirectAgent(url.hostname, port);
  return () => {
    https.globalAgent.destroy();
    https.globalAgent = previous;
  };
}
