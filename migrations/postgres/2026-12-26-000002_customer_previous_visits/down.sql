CREATE OR REPLACE FUNCTION customer_last_visits_recompute(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    UPDATE customers c
       SET last_visited_on = m.last
      FROM (SELECT u.id,
                   (SELECT MAX(v.report_date) FROM report_visits v
                     WHERE v.customer_id = u.id AND v.counted) AS last
              FROM unnest(ids) AS u (id)) m
     WHERE c.id = m.id AND c.last_visited_on IS DISTINCT FROM m.last;
$$;

ALTER TABLE customers DROP COLUMN previous_visited_on;
