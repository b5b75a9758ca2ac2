DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE outbox_events;
DROP TABLE notifications;
DROP TABLE escalations;
DROP TABLE complaints;
DROP TABLE market_report_links;
DROP TABLE market_reports;
