-- The claim's pick, walking the queue index (tasks_claim_idx) in order whatever the planner's
-- statistics say (issue 11, queue capacity). Right after a burst of submissions the statistics
-- still describe an emptier queue, and the planner then reads and sorts every queued row for each
-- claim of a few: O(queue depth) per claim instead of O(batch). With sorts and bitmap scans off
-- inside this function only, the ordered index scan is the one plan left, and it stops at the limit.
-- ROWS 10 (a claim batch, not the default 1000) keeps the claim's UPDATE a primary-key lookup per
-- picked row instead of a hash join over the whole table.
CREATE FUNCTION aidos_claimable(p_node text, p_limit int, p_profiles text[], p_labels jsonb, p_placed_only boolean)
  RETURNS SETOF text LANGUAGE plpgsql VOLATILE ROWS 10
  SET enable_sort = off SET enable_bitmapscan = off
AS $$
BEGIN
  RETURN QUERY SELECT t.id FROM tasks t
    WHERE t.state = 'queued' AND t.run_after <= clock_timestamp()
      AND (p_profiles IS NULL OR t.profile = ANY(p_profiles))
      AND (t.pin_node IS NULL OR t.pin_node = p_node) AND t.requires <@ p_labels
      AND (NOT p_placed_only OR t.pin_node = p_node OR t.requires <> '{}'::jsonb)
    ORDER BY t.priority DESC, t.run_after, t.created_at LIMIT p_limit FOR UPDATE OF t SKIP LOCKED;
END $$;
