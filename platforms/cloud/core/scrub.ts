/**
 * Provider errors and URLs can carry credentials that are in no environment variable (an Azure SAS
 * token in a blob URL, a signed S3 URL, a bearer token echoed back), which the reports' redaction
 * cannot know. Everything a cloud platform says goes through here first; the reports' own redaction
 * then masks the environment's secrets as for any platform.
 */
const URL_QUERY = /(\bhttps?:\/\/[^\s?#"']+)\?[^\s"']*/gi;
const AUTH_HEADER = /\b(authorization|x-amz-security-token|x-ms-authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)[^\s"',}]+(?:\s+[^\s"',}]+)?/gi;
const KEY_VALUE = /\b(sig|signature|sv|se|sp|skoid|sktid|x-amz-signature|x-amz-credential|access_token|client_secret|SharedAccessSignature)=([^\s&"']+)/gi;
const MAX = 2000;

export function scrubMessage(text: string): string {
  return text
    .slice(0, MAX)
    .replace(URL_QUERY, '$1?[redacted]')
    .replace(AUTH_HEADER, '$1$2[redacted]')
    .replace(KEY_VALUE, '$1=[redacted]');
}

/** An error's message, scrubbed; never the error object itself (SDK errors hold the request). */
export function errorText(error: unknown): string {
  return scrubMessage(error instanceof Error ? error.message : String(error));
}
