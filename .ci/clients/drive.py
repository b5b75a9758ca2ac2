"""Drives a running salestrack through the Python client generated from openapi/openapi.json.

Usage: python drive.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
Login, an org with a supervisor and a salesperson, a market report, a meeting with a remote
attendee, and a settings change: each answer is parsed into the generated models, so a spec
that misdescribes a response fails here.
"""

import sys
import uuid
from datetime import datetime, timedelta, timezone

from salestrack_client import AuthenticatedClient, Client
from salestrack_client.api.auth import login
from salestrack_client.api.market_reports import create_market_report, get_market_report
from salestrack_client.api.me import get_me
from salestrack_client.api.meetings import create_meeting, get_meeting, record_meeting_attendance
from salestrack_client.api.org import create_org_unit, get_org_unit, update_org_unit
from salestrack_client.api.settings import get_settings, update_settings
from salestrack_client.api.users import create_user
from salestrack_client.models import (
    Category,
    MeetingType,
    Role,
    Severity,
    AttendanceEntry,
    CreateMarketReport,
    CreateMeeting,
    CreateOrgUnit,
    CreateUser,
    LoginRequest,
    MarketReport,
    MarketReportDetail,
    MarketReportStatus,
    Meeting,
    MeetingAttendance,
    RecordAttendance,
    Settings,
    SettingsPatch,
    UpdateOrgUnit,
)


def expect(value, kind):
    if not isinstance(value, kind):
        raise SystemExit(f"expected {kind.__name__}, got {value!r}")
    return value


def token(base, email, password):
    res = login.sync(client=Client(base_url=base), body=LoginRequest(email=email, password=password))
    return AuthenticatedClient(base_url=base, token=res.access_token)


def main(base, email, password):
    admin = token(base, email, password)
    root = get_me.sync(client=admin).user.org_unit_id
    office = create_org_unit.sync(client=admin, body=CreateOrgUnit(name="Python office", parent_id=root))
    suffix = uuid.uuid4().hex[:8]
    supervisor = create_user.sync(client=admin, body=CreateUser(
        email=f"sup.{suffix}@py.local", name="Py Supervisor", role=Role.SUPERVISOR,
        org_unit_id=office.id, password="py-password-123"))
    seller = create_user.sync(client=admin, body=CreateUser(
        email=f"sel.{suffix}@py.local", name="Py Seller", role=Role.SALESPERSON,
        org_unit_id=office.id, password="py-password-123"))
    res = get_org_unit.sync_detailed(client=admin, id=office.id)
    update_org_unit.sync(client=admin, id=office.id, if_match=res.headers["etag"],
                         body=UpdateOrgUnit(manager_id=supervisor.id))

    sel = token(base, seller.email, "py-password-123")
    report = expect(create_market_report.sync(client=sel, idempotency_key=str(uuid.uuid4()), body=CreateMarketReport(
        category=Category.COMPETITOR_PROMOTION, severity=Severity.HIGH, title="Two for one at the corner shop",
        description="Competitor runs a two-for-one on our best seller.")), MarketReport)
    assert report.status == MarketReportStatus.OPEN, report.status
    again = expect(get_market_report.sync(client=sel, id=report.id), MarketReportDetail)
    assert again.id == report.id

    sup = token(base, supervisor.email, "py-password-123")
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    meeting = expect(create_meeting.sync(client=sup, body=CreateMeeting(
        meeting_type=MeetingType.MORNING, unit_id=office.id, starts_at=starts,
        agenda="Yesterday's visits", attendee_ids=[seller.id])), Meeting)
    res = get_meeting.sync_detailed(client=sup, id=meeting.id)
    meeting = expect(record_meeting_attendance.sync(
        client=sup, id=meeting.id, if_match=res.headers["etag"],
        body=RecordAttendance(entries=[AttendanceEntry(user_id=seller.id, attendance=MeetingAttendance.REMOTE)])),
        Meeting)
    assert any(a.attendance == MeetingAttendance.REMOTE for a in meeting.attendees), meeting.attendees

    res = get_settings.sync_detailed(client=admin)
    expect(res.parsed, Settings)
    changed = expect(update_settings.sync(client=admin, if_match=res.headers["etag"],
                                          body=SettingsPatch(payment_terms_days=45)), Settings)
    assert changed.payment_terms_days == 45, changed
    print("python client: login, org, market report, meeting, settings: ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
