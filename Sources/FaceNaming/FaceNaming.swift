// The face-naming library: data, encoders, models, losses, training, inference, metrics and baselines.
