import type { Caller, CallerMessage } from "@/db/schema";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

// The inbox item as /api/v1/messages and the message.taken webhook show it (snake_case, ISO times).
export function toMessageOut(m: CallerMessage) {
  return {
    id: m.id,
    call_id: m.callId,
    caller_id: m.callerId,
    kind: m.kind,
    caller_name: m.callerName,
    callback_number: m.callbackNumber,
    message: m.message,
    department: m.department,
    is_urgent: m.isUrgent,
    status: m.status,
    assignee_id: m.assigneeId,
    callback_at: iso(m.callbackAt),
    notes: m.notes,
    handled_by_id: m.handledById,
    handled_at: iso(m.handledAt),
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
  };
}

export function toCallerOut(c: Caller) {
  return {
    id: c.id,
    phone_number: c.e164,
    name: c.name,
    first_call_at: iso(c.firstCallAt),
    last_call_at: iso(c.lastCallAt),
    call_count: c.callCount,
    last_call_id: c.lastCallId,
    last_outcome: c.lastOutcome,
    notes: c.notes,
    tags: c.tags,
    is_vip: c.isVip,
    is_blocked: c.isBlocked,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}
