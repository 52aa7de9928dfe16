"use client";

import { useEffect, useState } from "react";

/**
 * The confirmation of a save, in a polite live region. The text goes in after the region
 * is on the page, so screen readers announce it; the cookie that carried it is dropped at
 * once, so it shows once.
 */
export function SavedNotice({ text, cookie, path }: { text: string; cookie: string; path: string }) {
  const [shown, setShown] = useState("");
  useEffect(() => {
    document.cookie = `${cookie}=; Max-Age=0; Path=${path}; SameSite=Lax`;
    setShown(text);
  }, [text, cookie, path]);
  return (
    <div role="status">
      {shown ? (
        <p data-testid="saved-notice" className="mt-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 ring-1 ring-emerald-200">
          {shown}
        </p>
      ) : null}
    </div>
  );
}
