package offers

import (
	"context"
	"fmt"
)

// NewCounts returns, for each of the organisations orgIDs that has any,
// how many of its offers are new (not yet looked at): what /manage shows
// beside each organisation of a member.
func (s *Store) NewCounts(ctx context.Context, orgIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(orgIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT organisation_id, count(*)::int FROM offers
		WHERE organisation_id = ANY($1) AND status = $2 GROUP BY 1`, orgIDs, StatusNew)
	if err != nil {
		return nil, fmt.Errorf("offers: new counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("offers: new counts: %w", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("offers: new counts: %w", err)
	}
	return out, nil
}
