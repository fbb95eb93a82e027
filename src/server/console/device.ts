/**
 * Device facts of a console sign-in, from the request: user agent, IP, and a platform name
 * (the `Sec-CH-UA-Platform` client hint when the browser sends one, else read from the user agent).
 */
import type { FastifyRequest } from 'fastify';
import type { TokenDevice } from '../../store/index.js';

const PLATFORMS: [RegExp, string][] = [
  [/Android/i, 'Android'], [/iPhone|iPad|iPod/i, 'iOS'], [/CrOS/i, 'ChromeOS'], [/Windows/i, 'Windows'],
  [/Mac OS X|Macintosh/i, 'macOS'], [/Linux/i, 'Linux'],
];

/** The platform a user agent names, or undefined. */
export function platformOf(userAgent: string | undefined): string | undefined {
  if (userAgent === undefined) return undefined;
  return PLATFORMS.find(([pattern]) => pattern.test(userAgent))?.[1];
}

/** The device facts recorded with a console login. */
export function consoleDevice(request: FastifyRequest): TokenDevice {
  const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 300) : undefined;
  const hint = request.headers['sec-ch-ua-platform'];
  const hinted = typeof hint === 'string' ? hint.replace(/"/g, '').slice(0, 40) : undefined;
  const platform = hinted !== undefined && hinted !== '' ? hinted : platformOf(userAgent);
  return {
    id: 'web-console', ip: request.ip,
    ...(userAgent === undefined ? {} : { userAgent }), ...(platform === undefined ? {} : { platform }),
  };
}
