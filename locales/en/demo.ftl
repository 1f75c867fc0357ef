# The demo's pipeline check (task `smoke`).

smoke-summary = A convolutional network with { $parameters } parameters was trained for { $steps } steps on generated images of { $classes } shapes and reached **{ PCT($test_accuracy) }** accuracy on held-out images, against { PCT($chance_accuracy) } for guessing.
smoke-learning = { $learning ->
        [learned] The network has learnt the shapes themselves: position, size, colours and noise vary in every image, so nothing simpler separates the classes.
        [above_chance] It is above chance but not yet reliable; more steps or a higher learning rate would help.
       *[chance] It did not learn beyond chance: the learning rate or the number of steps is off.
    }
smoke-worst = The weakest class is **{ $worst_class }** (F1 { PCT($worst_class_f1) }){ $confused_count ->
        [none] {""}
       *[other] ; the most frequent confusion is { $confused_true } taken for { $confused_predicted } ({ $confused_count } test images)
    }.

plot-accuracy = Accuracy
