import Link from "next/link";
import { buttonClass } from "@/components/ui/button-class";

// The caller page's data-protection actions: export or erase everything held about this number. Both are done on
// the Caller data page (owners and admins), which records the request in the register with its law and deadline;
// this opens it with the number filled in. Rendered only for those who may use it.
export function CallerDataActions({ slug, e164, canManagePrivacy }: { slug: string; e164: string; canManagePrivacy: boolean }) {
  if (!canManagePrivacy) return null;
  return (
    <div data-testid="caller-data-actions" className="flex flex-wrap gap-2">
      <Link href={`/t/${slug}/privacy?number=${encodeURIComponent(e164)}`} className={buttonClass("secondary")}>
        Export or erase data
      </Link>
    </div>
  );
}
