"""What the author studio and the learner's practice result show of recognition (issue 17): the landmarks the
system saw, frame by frame, and a sign's pass threshold calibrated on demand."""
