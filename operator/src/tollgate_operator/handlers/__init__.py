"""kopf handlers, one module per verb and noun; main.py only registers them."""
