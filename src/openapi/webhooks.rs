//! The top-level `webhooks` section (OpenAPI 3.1): one entry per event type, with the body a
//! receiver gets and the headers that sign it, so that a receiver can be generated too.

use serde_json::{json, Map, Value};

use crate::events::EVENT_TYPES;

/// The schema of the `data` of an event: the resource as the API shows it, or the notice of a
/// missing report.
fn data_schema(event_type: &str) -> &'static str {
    match event_type {
        "daily_report.missing" => "MissingDailyReportNotice",
        "weekly_report.missing" => "MissingWeeklyReportNotice",
        "target.status_changed" => "TargetStatusChange",
        _ => match event_type.split('.').next().unwrap_or_default() {
            "user" => "User",
            "org_unit" => "OrgUnit",
            "customer" => "Customer",
            "dealer" => "Dealer",
            "product" => "Product",
            "competitor" => "Competitor",
            "target" => "Target",
            "sales_fact" => "SalesFact",
            "payment_fact" => "PaymentFact",
            "market_report" => "MarketReport",
            "complaint" => "Complaint",
            "meeting" => "Meeting",
            "coaching_session" => "CoachingSession",
            "visit_plan" => "VisitPlan",
            "daily_report" => "DailyReport",
            "weekly_report" => "WeeklyReport",
            "promotion" => "Promotion",
            "promotion_cost_fact" => "PromotionCostFact",
            // Not a schema: the test that every `$ref` resolves names the event type to map.
            _ => "UnmappedEventData",
        },
    }
}

/// The `webhooks` section: every event type a subscription can name.
pub fn section() -> Value {
    let mut hooks = Map::new();
    for event_type in EVENT_TYPES {
        let data = data_schema(event_type);
        let body = json!({
            "type": "object",
            "required": ["id", "type", "created_at", "resource", "data"],
            "properties": {
                "id": {"type": "string", "format": "uuid",
                       "description": "Unique per event: de-duplicate by it."},
                "type": {"type": "string", "enum": [event_type]},
                "created_at": {"type": "string", "format": "date-time"},
                "resource": {"$ref": "#/components/schemas/ResourceRef"},
                "data": {"$ref": format!("#/components/schemas/{data}")}
            }
        });
        let operation_id = format!("on_{}", event_type.replace('.', "_"));
        hooks.insert(
            (*event_type).to_string(),
            json!({
                "post": {
                    "operationId": operation_id,
                    "summary": format!("The `{event_type}` event"),
                    "description": format!(
                        "POSTed to every active webhook subscribed to `{event_type}` (or `*`). \
                         Verify `Salestrack-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256 of \
                         \"<t>.<body>\" with the webhook's secret>`) before trusting the body. \
                         Answer 2xx to acknowledge; anything else is retried with backoff."
                    ),
                    "tags": ["webhooks"],
                    "parameters": [
                        {"name": "Salestrack-Event-Id", "in": "header", "required": true,
                         "schema": {"type": "string", "format": "uuid"}},
                        {"name": "Salestrack-Event-Type", "in": "header", "required": true,
                         "schema": {"type": "string", "enum": [event_type]}},
                        {"name": "Salestrack-Signature", "in": "header", "required": true,
                         "schema": {"type": "string"}}
                    ],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": body}}
                    },
                    "responses": {
                        "2XX": {"description": "Received; the delivery is done"},
                        "default": {"description": "Not received; the delivery is retried"}
                    }
                }
            }),
        );
    }
    Value::Object(hooks)
}
