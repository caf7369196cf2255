"""Reading what people type: the `/deal` grammar, amounts and dates (English and Japanese)."""
