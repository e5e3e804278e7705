-- How many addresses a space's subnets take (planned_size), kept on each node segment's and
-- address pool's row by triggers on planner_subnet, whoever writes a subnet: a service, a
-- cascade, the admin, a fixture or plain SQL, a TRUNCATE included. A segment counts its
-- slices' windows, a pool its blocks' CIDRs, each subnet by its foreign key.
--
-- The subnet triggers run once per statement, over the rows it changed (transition tables),
-- so a bulk create of 1,000 blocks updates each pool once. They also reset the search hint
-- (free_from_key, migration 0007) of every space a statement frees a range below. Each
-- locks the spaces it touches in one order, segments then pools, each by id: the order of
-- every writer of several spaces (planner.services.subnets), so two never deadlock.
--
-- Run by migration 0011, and again by each migration that changes it: every statement
-- here may run over an earlier version of itself.


-- The addresses the subnets of one segment or pool take, measured from every subnet.

CREATE OR REPLACE FUNCTION hybridplan_segment_measured_size(segment bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(sum(hybridplan_key_numeric(window_last_key)
                        - hybridplan_key_numeric(window_first_key) + 1), 0)
      FROM planner_subnet
     WHERE segment_id = segment
$$;

CREATE OR REPLACE FUNCTION hybridplan_pool_measured_size(pool bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(sum(hybridplan_key_numeric(last_key) - hybridplan_key_numeric(first_key) + 1), 0)
      FROM planner_subnet
     WHERE pool_id = pool
$$;


-- Subnets inserted: their spaces grow by their ranges. Nothing is freed.

CREATE OR REPLACE FUNCTION hybridplan_subnets_changed_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM planner_nodesegment
     WHERE id IN (SELECT segment_id FROM new_rows)
     ORDER BY id FOR NO KEY UPDATE;
    UPDATE planner_nodesegment AS space SET planned_size = space.planned_size + change.size
      FROM (SELECT segment_id AS id,
                   sum(hybridplan_key_numeric(window_last_key)
                       - hybridplan_key_numeric(window_first_key) + 1) AS size
              FROM new_rows
             WHERE segment_id IS NOT NULL
             GROUP BY segment_id) AS change
     WHERE space.id = change.id AND change.size <> 0;

    PERFORM 1 FROM planner_addresspool
     WHERE id IN (SELECT pool_id FROM new_rows)
     ORDER BY id FOR NO KEY UPDATE;
    UPDATE planner_addresspool AS space SET planned_size = space.planned_size + change.size
      FROM (SELECT pool_id AS id,
                   sum(hybridplan_key_numeric(last_key) - hybridplan_key_numeric(first_key) + 1)
                       AS size
              FROM new_rows
             WHERE pool_id IS NOT NULL
             GROUP BY pool_id) AS change
     WHERE space.id = change.id AND change.size <> 0;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER hybridplan_subnets_changed_on_insert
    AFTER INSERT ON planner_subnet
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_changed_on_insert();


-- Subnets deleted: their spaces shrink by their ranges, and every space whose hint lies
-- above a freed range (of its family, reaching into it) searches from the bottom again.

CREATE OR REPLACE FUNCTION hybridplan_subnets_changed_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM planner_nodesegment AS space
     WHERE space.id IN (SELECT segment_id FROM old_rows)
        OR (space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS freed
                WHERE freed.family = space.family
                  AND freed.window_first_key < space.free_from_key
                  AND freed.window_last_key >= space.first_key))
     ORDER BY space.id FOR NO KEY UPDATE;
    UPDATE planner_nodesegment AS space SET planned_size = space.planned_size - change.size
      FROM (SELECT segment_id AS id,
                   sum(hybridplan_key_numeric(window_last_key)
                       - hybridplan_key_numeric(window_first_key) + 1) AS size
              FROM old_rows
             WHERE segment_id IS NOT NULL
             GROUP BY segment_id) AS change
     WHERE space.id = change.id AND change.size <> 0;
    UPDATE planner_nodesegment AS space SET free_from_key = NULL
     WHERE space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS freed
                WHERE freed.family = space.family
                  AND freed.window_first_key < space.free_from_key
                  AND freed.window_last_key >= space.first_key);

    PERFORM 1 FROM planner_addresspool AS space
     WHERE space.id IN (SELECT pool_id FROM old_rows)
        OR (space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS freed
                WHERE freed.family = space.family
                  AND freed.first_key < space.free_from_key
                  AND freed.last_key >= space.first_key))
     ORDER BY space.id FOR NO KEY UPDATE;
    UPDATE planner_addresspool AS space SET planned_size = space.planned_size - change.size
      FROM (SELECT pool_id AS id,
                   sum(hybridplan_key_numeric(last_key) - hybridplan_key_numeric(first_key) + 1)
                       AS size
              FROM old_rows
             WHERE pool_id IS NOT NULL
             GROUP BY pool_id) AS change
     WHERE space.id = change.id AND change.size <> 0;
    UPDATE planner_addresspool AS space SET free_from_key = NULL
     WHERE space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS freed
                WHERE freed.family = space.family
                  AND freed.first_key < space.free_from_key
                  AND freed.last_key >= space.first_key);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER hybridplan_subnets_changed_on_delete
    AFTER DELETE ON planner_subnet
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_changed_on_delete();


-- Subnets updated. A row moved (other keys, or another space) leaves its old space and
-- enters its new one; an edit of anything else, a description say, locks no space. A row
-- whose keys moved frees its old range, as a delete does (a row moved to another space
-- with the same keys frees nothing: migration 0007 asked for other keys only).

CREATE OR REPLACE FUNCTION hybridplan_subnets_changed_on_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM planner_nodesegment AS space
     WHERE space.id IN (
               SELECT unnest(ARRAY[was.segment_id, now.segment_id])
                 FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
                WHERE (was.segment_id, was.pool_id, was.first_key, was.last_key,
                       was.window_first_key, was.window_last_key)
                      IS DISTINCT FROM
                      (now.segment_id, now.pool_id, now.first_key, now.last_key,
                       now.window_first_key, now.window_last_key))
        OR (space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
                WHERE (was.first_key, was.last_key, was.window_first_key, was.window_last_key)
                      IS DISTINCT FROM
                      (now.first_key, now.last_key, now.window_first_key, now.window_last_key)
                  AND was.family = space.family
                  AND was.window_first_key < space.free_from_key
                  AND was.window_last_key >= space.first_key))
     ORDER BY space.id FOR NO KEY UPDATE;
    UPDATE planner_nodesegment AS space SET planned_size = space.planned_size + change.size
      FROM (SELECT moved.segment_id AS id,
                   sum(moved.sign * (hybridplan_key_numeric(moved.window_last_key)
                                     - hybridplan_key_numeric(moved.window_first_key) + 1))
                       AS size
              FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
             CROSS JOIN LATERAL (VALUES (1, now.segment_id, now.window_first_key, now.window_last_key),
                                        (-1, was.segment_id, was.window_first_key, was.window_last_key))
                   AS moved(sign, segment_id, window_first_key, window_last_key)
             WHERE (was.segment_id, was.pool_id, was.first_key, was.last_key,
                    was.window_first_key, was.window_last_key)
                   IS DISTINCT FROM
                   (now.segment_id, now.pool_id, now.first_key, now.last_key,
                    now.window_first_key, now.window_last_key)
               AND moved.segment_id IS NOT NULL
             GROUP BY moved.segment_id) AS change
     WHERE space.id = change.id AND change.size <> 0;
    UPDATE planner_nodesegment AS space SET free_from_key = NULL
     WHERE space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
                WHERE (was.first_key, was.last_key, was.window_first_key, was.window_last_key)
                      IS DISTINCT FROM
                      (now.first_key, now.last_key, now.window_first_key, now.window_last_key)
                  AND was.family = space.family
                  AND was.window_first_key < space.free_from_key
                  AND was.window_last_key >= space.first_key);

    PERFORM 1 FROM planner_addresspool AS space
     WHERE space.id IN (
               SELECT unnest(ARRAY[was.pool_id, now.pool_id])
                 FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
                WHERE (was.segment_id, was.pool_id, was.first_key, was.last_key,
                       was.window_first_key, was.window_last_key)
                      IS DISTINCT FROM
                      (now.segment_id, now.pool_id, now.first_key, now.last_key,
                       now.window_first_key, now.window_last_key))
        OR (space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
                WHERE (was.first_key, was.last_key, was.window_first_key, was.window_last_key)
                      IS DISTINCT FROM
                      (now.first_key, now.last_key, now.window_first_key, now.window_last_key)
                  AND was.family = space.family
                  AND was.first_key < space.free_from_key
                  AND was.last_key >= space.first_key))
     ORDER BY space.id FOR NO KEY UPDATE;
    UPDATE planner_addresspool AS space SET planned_size = space.planned_size + change.size
      FROM (SELECT moved.pool_id AS id,
                   sum(moved.sign * (hybridplan_key_numeric(moved.last_key)
                                     - hybridplan_key_numeric(moved.first_key) + 1)) AS size
              FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
             CROSS JOIN LATERAL (VALUES (1, now.pool_id, now.first_key, now.last_key),
                                        (-1, was.pool_id, was.first_key, was.last_key))
                   AS moved(sign, pool_id, first_key, last_key)
             WHERE (was.segment_id, was.pool_id, was.first_key, was.last_key,
                    was.window_first_key, was.window_last_key)
                   IS DISTINCT FROM
                   (now.segment_id, now.pool_id, now.first_key, now.last_key,
                    now.window_first_key, now.window_last_key)
               AND moved.pool_id IS NOT NULL
             GROUP BY moved.pool_id) AS change
     WHERE space.id = change.id AND change.size <> 0;
    UPDATE planner_addresspool AS space SET free_from_key = NULL
     WHERE space.free_from_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM old_rows AS was JOIN new_rows AS now ON now.id = was.id
                WHERE (was.first_key, was.last_key, was.window_first_key, was.window_last_key)
                      IS DISTINCT FROM
                      (now.first_key, now.last_key, now.window_first_key, now.window_last_key)
                  AND was.family = space.family
                  AND was.first_key < space.free_from_key
                  AND was.last_key >= space.first_key);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER hybridplan_subnets_changed_on_update
    AFTER UPDATE ON planner_subnet
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_changed_on_update();


-- Subnets truncated: every space is empty, and no hint points above space now free.

CREATE OR REPLACE FUNCTION hybridplan_subnets_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE planner_nodesegment SET planned_size = 0, free_from_key = NULL
     WHERE planned_size <> 0 OR free_from_key IS NOT NULL;
    UPDATE planner_addresspool SET planned_size = 0, free_from_key = NULL
     WHERE planned_size <> 0 OR free_from_key IS NOT NULL;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER hybridplan_subnets_truncated
    AFTER TRUNCATE ON planner_subnet
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_truncated();


-- A space inserted after subnets naming it (a fixture loaded in any order, its foreign keys
-- checked at commit) starts with their size, whatever the insert said.

CREATE OR REPLACE FUNCTION planner_nodesegment_sized_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.planned_size := hybridplan_segment_measured_size(NEW.id);
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER planner_nodesegment_sized_on_insert
    BEFORE INSERT ON planner_nodesegment
    FOR EACH ROW EXECUTE FUNCTION planner_nodesegment_sized_on_insert();

CREATE OR REPLACE FUNCTION planner_addresspool_sized_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.planned_size := hybridplan_pool_measured_size(NEW.id);
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER planner_addresspool_sized_on_insert
    BEFORE INSERT ON planner_addresspool
    FOR EACH ROW EXECUTE FUNCTION planner_addresspool_sized_on_insert();


-- Only the triggers above write a size. Any other update of a space (a save of a row read
-- before a carve, a bulk update, a fixture loaded over it, plain SQL) keeps the size it
-- had, except one that sets it to NULL: that asks for it to be measured again from the
-- subnets (manage.py rebuild_space_sizes). pg_trigger_depth() is 1 in a trigger fired by
-- a statement of a client, more in one fired by another trigger's statement.

CREATE OR REPLACE FUNCTION planner_nodesegment_size_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 THEN
        NEW.planned_size := CASE WHEN NEW.planned_size IS NULL
                                 THEN hybridplan_segment_measured_size(NEW.id)
                                 ELSE OLD.planned_size END;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER planner_nodesegment_size_kept
    BEFORE UPDATE ON planner_nodesegment
    FOR EACH ROW EXECUTE FUNCTION planner_nodesegment_size_kept();

CREATE OR REPLACE FUNCTION planner_addresspool_size_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 THEN
        NEW.planned_size := CASE WHEN NEW.planned_size IS NULL
                                 THEN hybridplan_pool_measured_size(NEW.id)
                                 ELSE OLD.planned_size END;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER planner_addresspool_size_kept
    BEFORE UPDATE ON planner_addresspool
    FOR EACH ROW EXECUTE FUNCTION planner_addresspool_size_kept();
