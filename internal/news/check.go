package news

// Check validates in as a save would before it reads the database (texts,
// limits, the rich-text policy, the cover's description, the date): nil,
// or an Invalid error naming every wrong field. The editor calls it to
// show every problem at once when something else about the form (a
// refused picture) keeps it from saving; what only the database knows
// (themes, countries, the organisation's own projects, offices and
// people) is checked by the save.
func (s *Store) Check(in Input) error {
	_, err := check(in, s.policy, s.now())
	return err
}
