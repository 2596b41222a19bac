"use client";
import { useFormStatus } from "react-dom";
import { buttonClass, type TButtonVariant } from "./button-class";

export { buttonClass };

export function Button({
  variant = "primary",
  className = "",
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: TButtonVariant }) {
  return <button {...props} className={buttonClass(variant, className)} />;
}

// A submit button that shows progress while its form's action runs.
export function SubmitButton({
  children,
  pendingText,
  variant = "primary",
  className = "",
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { pendingText?: string; variant?: TButtonVariant }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending || props.disabled} aria-busy={pending} {...props} className={buttonClass(variant, className)}>
      {pending && <span className="size-3.5 animate-spin rounded-full border-2 border-current border-r-transparent" aria-hidden />}
      {pending && pendingText ? pendingText : children}
    </button>
  );
}
