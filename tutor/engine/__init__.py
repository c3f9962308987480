"""The engine: experiments (NumPy and Keras), data sets, and the from-scratch cells. Never imports Textual."""
