-- Run by the clickhouse image on a fresh data directory (/docker-entrypoint-initdb.d): the example
-- table of the README's compose commands, 60,000 rows in 6 monthly partitions on the local disk.
CREATE TABLE IF NOT EXISTS default.events
(
    day Date,
    id UInt64,
    user_id UInt32,
    kind LowCardinality(String),
    payload String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, id);

INSERT INTO default.events
SELECT toDate('2024-01-01') + intDiv(number, 334) AS day, number, number % 5000,
       ['click', 'view', 'purchase', 'signup'][number % 4 + 1], concat('event-', toString(number))
FROM numbers(60000);
