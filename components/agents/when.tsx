"use client";
import { useEffect, useState } from "react";

// A timestamp in the viewer's own locale and zone. The server renders UTC (it does not know the viewer's zone);
// the browser replaces it after hydration, so the two never disagree during hydration.
export function When({ iso }: { iso: string }) {
  const [text, setText] = useState(() => `${iso.slice(0, 16).replace("T", " ")} UTC`);
  useEffect(() => {
    const date = new Date(iso);
    if (!Number.isNaN(date.getTime())) setText(date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
  }, [iso]);
  return (
    <time dateTime={iso} title={iso}>
      {text}
    </time>
  );
}
