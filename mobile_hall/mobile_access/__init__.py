"""What the provincial mobile hall needs to embed ours: the access manifest (profile rule 11)."""
