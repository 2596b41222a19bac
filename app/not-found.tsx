import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-md px-4 py-24 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-sm text-slate-500">It does not exist, or you do not have access to it.</p>
      <Link href="/dashboard" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">Go to your dashboard</Link>
    </div>
  );
}
