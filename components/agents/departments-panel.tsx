"use client";
import { useActionState, useEffect, useState } from "react";
import { addDepartmentAction, deleteDepartmentAction, updateDepartmentAction } from "@/app/t/[slug]/agents/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { isFictionalNumber } from "@/lib/agents/fictional-numbers";
import { ClearExamplesButton } from "./clear-examples-button";
import { FormFooter, FormMessages, TextAreaField, useDraftForm } from "./use-draft-form";

type TDepartmentView = { id: string; name: string; phoneNumber: string; whenToTransfer: string };

export function DepartmentsPanel({
  slug,
  agentId,
  canEdit,
  departments,
}: {
  slug: string;
  agentId: string;
  canEdit: boolean;
  departments: TDepartmentView[];
}) {
  const fictional = departments.filter((d) => isFictionalNumber(d.phoneNumber));
  return (
    <div className="space-y-6">
      {fictional.length > 0 && (
        <Alert tone="info">
          {fictional.length === 1 ? `${fictional[0]!.name} has` : `${fictional.map((d) => d.name).join(", ")} have`} a fictional example number
          (555-01xx). Edit {fictional.length === 1 ? "it" : "each"} to use a real number of your team, or delete{" "}
          {fictional.length === 1 ? "it" : "them"}, before you publish: calls transferred to an example number go nowhere.
          {canEdit && <ClearExamplesButton slug={slug} agentId={agentId} what="departments" count={fictional.length} />}
        </Alert>
      )}
      <Card title="Departments" description="People or teams the agent can transfer callers to during business hours.">
        {departments.length === 0 ? (
          <EmptyState title="No departments">
            {canEdit
              ? "Without departments the agent takes a message whenever a caller asks for a person. Add one below to let it transfer calls."
              : "This agent takes a message whenever a caller asks for a person."}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Departments">
            {departments.map((d) => (
              <DepartmentItem key={d.id} slug={slug} agentId={agentId} department={d} canEdit={canEdit} />
            ))}
          </ul>
        )}
      </Card>
      {canEdit && (
        <Card title="Add a department">
          <DepartmentForm slug={slug} agentId={agentId} />
        </Card>
      )}
    </div>
  );
}

function DepartmentFields({ values, errors }: { values: Partial<TDepartmentView>; errors: Record<string, string> }) {
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Department name" name="name" defaultValue={values.name} error={errors.name} maxLength={80} placeholder="Sales" />
        <Field
          label="Phone number"
          name="phoneNumber"
          type="tel"
          autoComplete="off"
          defaultValue={values.phoneNumber}
          error={errors.phoneNumber}
          placeholder="+14155550123"
          hint="International format with country code, e.g. +44 20 7946 0958."
        />
      </div>
      <TextAreaField
        label="When to transfer"
        name="whenToTransfer"
        rows={2}
        maxLength={500}
        defaultValue={values.whenToTransfer}
        error={errors.whenToTransfer}
        hint="Tell the agent which callers belong here, e.g. “The caller wants a quote or asks about pricing.”"
      />
    </div>
  );
}

function DepartmentForm({ slug, agentId }: { slug: string; agentId: string }) {
  const [state, action] = useActionState(addDepartmentAction.bind(null, slug), undefined);
  const { formRef, isDirty } = useDraftForm(state);
  return (
    <form ref={formRef} action={action} className="space-y-4" noValidate>
      <input type="hidden" name="agentId" value={agentId} />
      <FormMessages state={state} />
      <DepartmentFields values={state?.success ? {} : (state?.values ?? {})} errors={state?.fieldErrors ?? {}} />
      <FormFooter isDirty={isDirty}>
        <SubmitButton pendingText="Adding…">Add department</SubmitButton>
      </FormFooter>
    </form>
  );
}

function DepartmentItem({ slug, agentId, department, canEdit }: { slug: string; agentId: string; department: TDepartmentView; canEdit: boolean }) {
  const [isEditing, setIsEditing] = useState(false);
  const [deleteState, deleteAction] = useActionState(deleteDepartmentAction.bind(null, slug), undefined);
  return (
    <li className="py-4" data-testid="department">
      {isEditing ? (
        <EditDepartmentForm slug={slug} agentId={agentId} department={department} onDone={() => setIsEditing(false)} />
      ) : (
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 flex-1">
            <h3 className="text-sm font-medium text-slate-900">{department.name}</h3>
            <p className="font-mono text-sm text-slate-700">{department.phoneNumber}</p>
            <p className="text-sm text-slate-500">{department.whenToTransfer || "When the caller asks for them by name."}</p>
          </div>
          {canEdit && (
            <div className="flex gap-1">
              <Button type="button" variant="ghost" onClick={() => setIsEditing(true)} aria-label={`Edit ${department.name}`}>
                Edit
              </Button>
              <form
                action={deleteAction}
                onSubmit={(e) => {
                  if (!confirm(`Remove ${department.name}? The agent will no longer transfer calls there once you publish.`)) e.preventDefault();
                }}
              >
                <input type="hidden" name="agentId" value={agentId} />
                <input type="hidden" name="departmentId" value={department.id} />
                <SubmitButton variant="ghost" className="text-red-600" pendingText="Removing…" aria-label={`Remove ${department.name}`}>
                  Remove
                </SubmitButton>
              </form>
            </div>
          )}
        </div>
      )}
      {deleteState?.error && (
        <div className="mt-2">
          <Alert tone="error">{deleteState.error}</Alert>
        </div>
      )}
    </li>
  );
}

function EditDepartmentForm({
  slug,
  agentId,
  department,
  onDone,
}: {
  slug: string;
  agentId: string;
  department: TDepartmentView;
  onDone: () => void;
}) {
  const [state, action] = useActionState(updateDepartmentAction.bind(null, slug), undefined);
  const { formRef, isDirty } = useDraftForm(state);
  useEffect(() => {
    if (state?.success) onDone();
  }, [state, onDone]);
  return (
    <form ref={formRef} action={action} className="space-y-4 rounded-md bg-slate-50 p-4" noValidate aria-label={`Edit ${department.name}`}>
      <input type="hidden" name="agentId" value={agentId} />
      <input type="hidden" name="departmentId" value={department.id} />
      <FormMessages state={state?.success ? undefined : state} />
      <DepartmentFields values={state?.values ?? department} errors={state?.fieldErrors ?? {}} />
      <FormFooter isDirty={isDirty}>
        <SubmitButton pendingText="Saving…">Save department</SubmitButton>
        <Button type="button" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </FormFooter>
    </form>
  );
}
