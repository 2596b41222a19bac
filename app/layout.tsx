import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "AI Call Agent", template: "%s · AI Call Agent" },
  description: "An AI agent that answers your business's phone calls, transfers to your team when it should, and logs every call.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
