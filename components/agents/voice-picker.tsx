"use client";
import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";

type TVoiceOption = { id: string; name: string; language: string; gender?: string };

// The TTS provider's voices (from the voices route) with a button that plays a sample of the chosen one saying
// the greeting as it stands in the form.
export function VoicePicker({
  slug,
  defaultValue,
  error,
  disabled,
  canPreview,
  sampleFor,
}: {
  slug: string;
  defaultValue: string;
  error?: string;
  disabled: boolean;
  canPreview: boolean;
  sampleFor: () => { language: string; text: string };
}) {
  const id = useId();
  const [voices, setVoices] = useState<TVoiceOption[] | null>(null);
  const [provider, setProvider] = useState("");
  const [loadError, setLoadError] = useState<string | null>(null);
  const [value, setValue] = useState(defaultValue);
  const [isPreviewing, setIsPreviewing] = useState(false);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [audioUrl, setAudioUrl] = useState<string | null>(null);
  const audioRef = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    let isCancelled = false;
    fetch(`/api/teams/${slug}/voices`)
      .then(async (res) => {
        const body = (await res.json().catch(() => null)) as { voices?: TVoiceOption[]; provider?: string; error?: { message?: string } } | null;
        if (!res.ok || !body?.voices) throw new Error(body?.error?.message ?? "Could not load the voices.");
        if (!isCancelled) {
          setVoices(body.voices);
          setProvider(body.provider ?? "");
        }
      })
      .catch((e: unknown) => !isCancelled && setLoadError(e instanceof Error ? e.message : "Could not load the voices."));
    return () => {
      isCancelled = true;
    };
  }, [slug]);

  useEffect(() => () => void (audioUrl && URL.revokeObjectURL(audioUrl)), [audioUrl]);

  async function preview() {
    setIsPreviewing(true);
    setPreviewError(null);
    try {
      const { language, text } = sampleFor();
      const res = await fetch(`/api/teams/${slug}/voices/preview`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ voice: value, language, text: text.slice(0, 300) }),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? "Could not make the sample.");
      }
      const url = URL.createObjectURL(await res.blob());
      setAudioUrl(url);
      // Wait for React to attach the new source before playing.
      requestAnimationFrame(() => void audioRef.current?.play().catch(() => {}));
    } catch (e) {
      setPreviewError(e instanceof Error ? e.message : "Could not make the sample.");
    } finally {
      setIsPreviewing(false);
    }
  }

  const options = voices ?? [];
  const isKnown = options.some((v) => v.id === value);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        Voice
      </label>
      <div className="flex flex-wrap gap-2">
        <select
          id={id}
          name="voice"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-busy={voices === null && !loadError}
          className={`${inputClass} min-w-0 flex-1`}
        >
          {!isKnown && <option value={value}>{voices === null && !loadError ? "Loading voices…" : value}</option>}
          {options.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
              {v.language && !v.name.includes(v.language) ? ` (${v.language})` : ""}
            </option>
          ))}
        </select>
        {canPreview && (
          <Button type="button" variant="secondary" onClick={preview} disabled={isPreviewing} aria-busy={isPreviewing}>
            {isPreviewing && <span className="size-3.5 animate-spin rounded-full border-2 border-current border-r-transparent" aria-hidden />}
            {isPreviewing ? "Making sample…" : "Preview voice"}
          </Button>
        )}
      </div>
      {error && <p className="text-sm text-red-600">{error}</p>}
      {loadError && <p className="text-sm text-red-600">{loadError}</p>}
      {previewError && (
        <p className="text-sm text-red-600" role="alert">
          {previewError}
        </p>
      )}
      {audioUrl && <audio ref={audioRef} src={audioUrl} controls className="mt-2 h-10 w-full max-w-md" aria-label="Voice sample" data-testid="voice-sample" />}
      <p className="text-xs text-slate-500">
        {provider === "smallest" ? "Voices from Smallest.AI." : provider ? "Offline voices (eSpeak). Set a Smallest.AI key for natural-sounding voices." : ""} The sample
        says your greeting, at phone quality.
      </p>
    </div>
  );
}
