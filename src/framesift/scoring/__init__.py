"""Query-dependent scoring: the question's phrases, the text and visual channels, and the
coarse-to-fine visual scoring with its embedding budget. Import the modules themselves."""
