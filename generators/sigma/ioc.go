package sigma

func (r *run) indicators() error { return nil }
