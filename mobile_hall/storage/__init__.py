"""Where uploaded materials are kept: content-checked, size-limited, behind a storage protocol."""
