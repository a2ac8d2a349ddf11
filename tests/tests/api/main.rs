//! The collector's HTTP API through a real listener, on SQLite and on PostgreSQL.

mod access;
mod attribution;
mod bad_payloads;
mod comparisons;
mod concurrency;
mod cors;
mod cross_tenant;
mod dashboard;
mod dashboard_data;
mod dashboard_pages;
mod erasure;
mod forged_traffic;
mod health;
mod hostile;
mod html_escaping;
mod impressions;
mod postgres_outage;
mod rate_limit;
mod rating_links;
mod reports;
mod responses;
mod scanners;
mod sites;
mod slow_bodies;
mod stored_text;
mod widget_files;
