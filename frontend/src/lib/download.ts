/** Saves bytes the server sent (an export) as a file the browser downloads. */
export function downloadFile(data: Uint8Array, contentType: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type: contentType }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}
