// Drives a running salestrack through types generated from openapi/openapi.json by
// openapi-typescript, with openapi-fetch. Compiled with `tsc --strict`: a request or a use of a
// response that the spec does not allow fails to compile; an answer the spec does not declare
// fails at run time.
//
// Usage: node drive.js BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Api = ReturnType<typeof createClient<paths>>;

function fail(what: string, detail: unknown): never {
  throw new Error(`${what}: ${JSON.stringify(detail)}`);
}

async function login(base: string, email: string, password: string): Promise<Api> {
  const anonymous = createClient<paths>({ baseUrl: base });
  const { data, error } = await anonymous.POST("/api/v1/auth/login", { body: { email, password } });
  if (!data) fail("login", error);
  return createClient<paths>({
    baseUrl: base,
    headers: { Authorization: `Bearer ${data.access_token}` },
  });
}

async function main(base: string, email: string, password: string): Promise<void> {
  const admin = await login(base, email, password);
  const me = await admin.GET("/api/v1/me");
  if (!me.data) fail("me", me.error);
  const office = await admin.POST("/api/v1/org-units", {
    body: { name: "TypeScript office", parent_id: me.data.user.org_unit_id },
  });
  if (!office.data) fail("create unit", office.error);
  const suffix = Math.random().toString(36).slice(2, 10);
  const people: Record<string, components["schemas"]["User"]> = {};
  for (const role of ["supervisor", "salesperson"] as const) {
    const res = await admin.POST("/api/v1/users", {
      body: {
        email: `${role}.${suffix}@ts.local`,
        name: `TS ${role}`,
        role,
        org_unit_id: office.data.id,
        password: "ts-password-123",
      },
    });
    if (!res.data) fail(`create ${role}`, res.error);
    people[role] = res.data;
  }
  const unit = await admin.GET("/api/v1/org-units/{id}", {
    params: { path: { id: office.data.id } },
  });
  const etag = unit.response.headers.get("etag") ?? fail("no ETag", unit.error);
  const managed = await admin.PATCH("/api/v1/org-units/{id}", {
    params: { path: { id: office.data.id }, header: { "If-Match": etag } },
    body: { manager_id: people.supervisor.id },
  });
  if (!managed.data) fail("set manager", managed.error);

  const seller = await login(base, people.salesperson.email, "ts-password-123");
  const report = await seller.POST("/api/v1/market-reports", {
    params: { header: { "Idempotency-Key": `ts-${suffix}` } },
    body: {
      category: "pricing",
      severity: "critical",
      title: "Price cut by a competitor",
      description: "Ten percent off the whole range from Monday.",
    },
  });
  if (!report.data) fail("market report", report.error);
  const open: components["schemas"]["MarketReportStatus"] = report.data.status;
  if (open !== "open") fail("market report status", open);

  const supervisor = await login(base, people.supervisor.email, "ts-password-123");
  const meeting = await supervisor.POST("/api/v1/meetings", {
    body: {
      meeting_type: "weekly",
      unit_id: office.data.id,
      starts_at: new Date(Date.now() + 86_400_000).toISOString(),
      agenda: "The week's numbers",
      attendee_ids: [people.salesperson.id],
    },
  });
  if (!meeting.data) fail("meeting", meeting.error);
  const meetingEtag = meeting.response.headers.get("etag") ?? fail("no ETag", meeting.data);
  const attended = await supervisor.POST("/api/v1/meetings/{id}/attendance", {
    params: { path: { id: meeting.data.id }, header: { "If-Match": meetingEtag } },
    body: { entries: [{ user_id: people.salesperson.id, attendance: "absent" }] },
  });
  if (!attended.data) fail("attendance", attended.error);
  const absent: components["schemas"]["MeetingAttendance"][] = attended.data.attendees.map(
    (a) => a.attendance,
  );
  if (!absent.includes("absent")) fail("attendance", absent);

  const settings = await admin.GET("/api/v1/settings");
  if (!settings.data) fail("settings", settings.error);
  const settingsEtag = settings.response.headers.get("etag") ?? fail("no ETag", settings.data);
  const changed = await admin.PATCH("/api/v1/settings", {
    params: { header: { "If-Match": settingsEtag } },
    body: { checkin_radius_m: 250 },
  });
  if (!changed.data) fail("change settings", changed.error);
  if (changed.data.checkin_radius_m !== 250) fail("settings", changed.data);
  console.log("typescript client: login, org, market report, meeting, settings: ok");
}

const [base, email, password] = process.argv.slice(2);
main(base, email, password).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
