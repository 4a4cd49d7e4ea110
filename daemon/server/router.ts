import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import type { Caller } from './auth.js';

/** What a route handler gets. */
export interface HttpContext {
  /** Path parameters (`:id`). */
  params: Record<string, string>;
  /** Query string. */
  query: URLSearchParams;
  /** Parsed JSON body (routes with `body: true`), else undefined. */
  body: unknown;
  /** Caller presented a valid token (always true when no tokens are configured). */
  authenticated: boolean;
  /** Which token and from where, for audit logs. */
  caller: Caller;
  /** The raw request, for streaming handlers. */
  req: IncomingMessage;
  /** The raw response, for streaming handlers. */
  res: ServerResponse;
}

/** A handler's answer; `handled` means it wrote the response itself (streams). */
export type HttpReply =
  | { status: number; body?: unknown; contentType?: string; headers?: Record<string, string> }
  | { handled: true };

/** One HTTP route. */
export interface HttpRoute {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Path with `:name` parameters. */
  path: string;
  /** public: anyone; token: an API token when tokens are configured. */
  auth: 'public' | 'token';
  /** Parse a JSON body before the handler runs. */
  body?: boolean;
  /** Produces the reply. */
  handle(ctx: HttpContext): Promise<HttpReply> | HttpReply;
}

interface Compiled {
  route: HttpRoute;
  regex: RegExp;
  names: string[];
}

/** Matches method + path against registered routes. */
export class Router {
  private readonly routes: Compiled[] = [];

  add(...routes: HttpRoute[]): void {
    for (const route of routes) {
      const names: string[] = [];
      const pattern = route.path.replace(/:([a-z_]+)/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      this.routes.push({ route, regex: new RegExp(`^${pattern}/?$`), names });
    }
  }

  /** The route and its params; `405` when the path exists with another method; undefined when unknown. */
  match(
    method: string,
    path: string,
  ): { route: HttpRoute; params: Record<string, string> } | 405 | undefined {
    let pathExists = false;
    for (const { route, regex, names } of this.routes) {
      const m = regex.exec(path);
      if (!m) continue;
      pathExists = true;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodePathSegment(m[i + 1] as string);
      });
      return { route, params };
    }
    return pathExists ? 405 : undefined;
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new ApiError('bad_request', `path: malformed percent-escape in "${segment}"`, 'path', cause);
  }
}
