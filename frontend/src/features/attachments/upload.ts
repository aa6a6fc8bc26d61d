import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromJson } from "@connectrpc/connect/protocol-connect";
import { UploadAttachmentResponseSchema, type Attachment } from "@livechat/api/attachment_pb";

/** Where files are uploaded (see proto/livechat/v1/attachment.proto). */
export const uploadPath = "/api/attachments";

/**
 * Uploads a file with the dashboard's session cookie, reporting progress
 * (0–1). XMLHttpRequest, because fetch cannot report upload progress. A
 * refusal becomes a ConnectError carrying the server's ErrorDetail, so
 * describeError words it like any RPC's; an abort rejects with Canceled.
 */
export function uploadFile(file: Blob, name: string, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${uploadPath}?name=${encodeURIComponent(name)}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: JsonValue = null;
      try {
        body = JSON.parse(xhr.responseText) as JsonValue;
      } catch {
        // Not JSON: a proxy's error page; the status says enough.
      }
      if (xhr.status === 200 && body) {
        const res = fromJson(UploadAttachmentResponseSchema, body, { ignoreUnknownFields: true });
        if (res.attachment) return resolve(res.attachment);
      }
      reject(body ? errorFromJson(body, undefined, new ConnectError(`upload failed (${xhr.status})`, Code.Unknown)) : new ConnectError(`upload failed (${xhr.status})`, Code.Unavailable));
    };
    xhr.onerror = () => reject(new ConnectError("network error", Code.Unavailable));
    xhr.onabort = () => reject(new ConnectError("canceled", Code.Canceled));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
