# Question 3: open_clip's ConvNeXt CLIP on Stanford Dogs. Variables are the values and
# findings each task stored; selects branch on the findings (three outcomes: ahead,
# level within half a point of accuracy, behind).

q3-pretrain = With no internet in the demo, LAION's weights are replaced by a small CLIP of the same architecture (ConvNeXt image tower, causal text transformer, { $parameters } parameters) trained from scratch with the contrastive loss on { $pairs } colour-shape pairs, each captioned in one of { $caption_patterns } ways. The final contrastive loss is { NUM($final_loss, digits: 3) }. The evaluation below runs the real pipeline on it: the Stanford Dogs reader, the open_clip preprocessing and tokenizer, and the same metrics.
plot-contrastive-loss = Contrastive loss

q3a-zero-shot = **(a) Zero-shot accuracy.** Every class becomes the prompt "{ $template }"; an image is assigned to the class whose text embedding is most similar to its image embedding. On { $images } test images of { $classes } classes, top-1 accuracy is **{ PCT($top1) }** and top-5 { PCT($top5) } (mean per-class accuracy { PCT($mean_per_class) }; guessing gives { PCT($chance) }){ $skipped_images ->
        [0] {""}
        [none] {""}
       *[other] . { $skipped_images } unreadable images were skipped
    }.
q3a-skipped-files = The { $skipped_files } image(s) that could not be read, and what was wrong with each (the experiment's log has the full messages):

q3b-intro = **(b) Prompt templates.** The same image features scored with { $prompts } prompts, with raw folder names and with curated names. The best prompt is "{ $best_prompt }" at { PCT($best_top1) } top-1; the worst is "{ $worst_prompt }" at { PCT($worst_top1) }.
q3b-ensemble = { $ensemble ->
        [ahead] An ensemble (the mean of the normalised text embeddings of many templates) beats every single prompt ({ PCT($best_ensemble_top1) } against { PCT($best_single_top1) } for "{ $best_single_prompt }"): averaging cancels the quirks of individual phrasings and gives a more stable class direction.
        [level] The best ensemble ({ PCT($best_ensemble_top1) }) and the best single prompt ("{ $best_single_prompt }", { PCT($best_single_top1) }) are level, within half a point: here averaging many phrasings neither helps nor hurts.
       *[behind] No ensemble beats the best single prompt ({ PCT($best_single_top1) } for "{ $best_single_prompt }"; the 80-template ensemble reaches { PCT($ensemble80_top1) }): many of the 80 templates describe renderings (sculptures, tattoos, origami) unlike these images, and averaging them pulls the class embeddings away from the photographs' style.
    }
q3b-context = { $context ->
        [ahead] Adding context helps: the { $kind } templates average { PCT($best_context_mean_top1) } against { PCT($generic_mean_top1) } for generic ones ({ POINTS($context_minus_generic) } points). Context such as "a type of dog" tells the text encoder which sense of a name is meant, which matters for breed names that are also ordinary words (boxer, pug, Maltese).
        [level] Added context makes no difference here: the best kind of context ({ $kind }) averages { PCT($best_context_mean_top1) } against { PCT($generic_mean_top1) } for generic templates ({ POINTS($context_minus_generic) } points, within half a point).
       *[behind] Here added context does not help: the best kind of context ({ $kind }) averages { PCT($best_context_mean_top1) } against { PCT($generic_mean_top1) } for generic templates ({ POINTS($context_minus_generic) } points); longer prompts dilute the class name when the names are already unambiguous.
    }
q3b-names = { $names ->
        [ahead] Curated class names are better on average ({ PCT($curated_names_mean_top1) } vs { PCT($raw_names_mean_top1) } with raw folder names): names such as "Japanese Chin" are the ones used on the web, while WordNet's "Japanese spaniel" is rare in captions.
        [level] Raw and curated names give the same accuracy here within half a point ({ PCT($curated_names_mean_top1) } vs { PCT($raw_names_mean_top1) } on average): for these classes the two names are the same or equally familiar.
       *[behind] Raw folder names are better on average ({ PCT($raw_names_mean_top1) } vs { PCT($curated_names_mean_top1) } with curated names).
    }
plot-top1-by-prompt = Top-1 accuracy by prompt (curated names)

q3c-intro = **(c) Per-class metrics.** Precision, recall, one-vs-rest accuracy and F1 for every class (worst F1 first), with macro F1 { PCT($macro_f1) } and support-weighted F1 { PCT($weighted_f1) }. One-vs-rest accuracy is high for every class because most images belong to other classes; F1 is the informative number.
plot-confusion = Confusion matrix (rows: true class, columns: predicted)
q3c-worst = The worst class is **{ $worst_class }** (F1 { PCT($worst_f1_before) }){ $worst_confused_with ->
        [none] {""}
       *[other] , confused most with **{ $worst_confused_with }** ({ $worst_confused_count } test images in either direction)
    }. To find a better prompt for it, { $candidates } candidates (its other names × templates, and their ensemble) were scored on { $heldout_images } held-out *training* images, so the test set is used once, for the final measurement.
q3c-search = { $prompt_changed ->
        [true] The held-out data chose "{ $chosen_prompt }" (held-out F1 { PCT($heldout_f1_base) } → { PCT($heldout_f1_chosen) }). On the test set the class's F1 goes from { PCT($worst_f1_before) } to { PCT($worst_f1_after) } ({ POINTS($worst_f1_change) } points){ $test_effect ->
                [ahead] : the new wording moves the class's text embedding away from its neighbour's
                [level] : no change beyond half a point, so the gain on the held-out images did not carry over to the test images
               *[behind] : the gain seen on held-out images did not carry over, a sign that the held-out set is small
            }; overall top-1 changes by { POINTS($top1_change) } points, because the classes it was confused with gain or lose the images in between.
       *[false] No candidate beat the original prompt on the held-out images, so the prompt stays; the class's confusion is then a matter of the image features, which a prompt cannot fix.
    }

q3d-intro = **(d) A trainable embedding per class.** Both encoders stay frozen and only class vectors are trained, by gradient descent on the cached image features of { $train_images } training images of { $model }; { $validation_images } further training images are held out to choose the learning rate and the step to stop at, and the { $test_images } test images are scored once, with that choice.
q3d-head = *(d1) One vector per class in the joint embedding space*, scored like zero-shot CLIP: logits = exp(logit_scale) · cos(image, class vector). Initialised from the text embeddings of "{ $template }", the head agrees with zero-shot CLIP on { PCT($text_init_agrees_with_zero_shot) } of the test images before training: at step 0 it *is* the zero-shot classifier. Trained ({ $text_init_setting ->
            [none] { $text_init_choice }
           *[other] { $text_init_setting }
        }), it reaches **{ PCT($text_init_top1) }** top-1 against { PCT($zero_shot_top1) } zero-shot ({ POINTS($text_init_minus_zero_shot) } points).{ $text_init_trained ->
        [false] {" "}Validation preferred no training at all (its accuracy never rose above the step-0 value), so the text-initialised vectors are kept: on this data the training images add nothing the prompt did not already say.
       *[other] {" "}Validation accuracy peaked at step { $text_init_best_step } of { $text_init_steps }.
    }{ $random_init_top1 ->
        [none] {""}
       *[other] {" "}The same head started from random vectors (the ablation) reaches { PCT($random_init_top1) } ({ POINTS($random_minus_text_init) } points against the text init).
    }
q3d-coop = *(d2) CoOp context tokens.* Each class's prompt is [SOS] + { $coop_context_tokens } learned context vectors + the class name + "." through the frozen text transformer (class-specific context, { $coop_init_words ->
        [none] initialised at random, N(0, 0.02²)
        *[other] initialised from the token embeddings of "{ $coop_init_words }"
    }), so the gradient flows through the whole text encoder into { $coop_trainable } trainable numbers. It reaches **{ PCT($coop_top1) }** ({ POINTS($coop_minus_zero_shot) } points against zero-shot; chosen: { $coop_setting ->
            [none] { $coop_choice }
           *[other] { $coop_setting }
        }).{ $coop_vs_head ->
        [ahead] {" "}It beats the joint-space head ({ PCT($text_init_top1) }): steering the prompt lets the text encoder's knowledge of the name shape the class vector, rather than moving the vector freely.
        [level] {" "}It is level with the joint-space head ({ PCT($text_init_top1) }, within half a point): on this data, shaping the class vector through the text encoder and moving it freely end at the same accuracy.
        [behind] {" "}It does not reach the joint-space head ({ PCT($text_init_top1) }): the learned words can only move the class embedding within what the text encoder can express, while (d1) moves it freely.
       *[none] {""}
    }
q3d-best = { $best_tie ->
        [true] Best are { $best } together at { PCT($best_top1) }
       *[false] The best of them is { $best } at { PCT($best_top1) }
    } ({ $best_vs_zero_shot ->
        [ahead] { POINTS($best_gain_over_zero_shot) } points over zero-shot
        [level] level with zero-shot, { POINTS($best_gain_over_zero_shot) } points
       *[behind] { POINTS($best_gain_over_zero_shot) } points, below zero-shot
    }).
q3d-few-shot = *Few-shot.* Each method again with { $shots_list } training images per class and the full training set, { $few_shot_seeds } seeds each (mean ± std). { $text_vs_random_at_fewest ->
        [ahead] With { $fewest_shots } image(s) per class the text-initialised head is { POINTS($text_minus_random_at_fewest) } points above the random one ({ PCT($text_init_fewest_shots_top1) } vs { PCT($random_init_fewest_shots_top1) }): the text embedding is a prior learned from language, worth more than a few labelled images. { $random_meets_text_at ->
                [none] Within the shots studied the random init never catches up.
               *[other] The random init catches up at { $random_meets_text_at } images per class, where the images alone pin the class directions down.
            }
        [level] With { $fewest_shots } image(s) per class the text-initialised and the random head are level ({ PCT($text_init_fewest_shots_top1) } vs { PCT($random_init_fewest_shots_top1) }, within half a point): the prompt's embeddings add nothing a few images do not.
        [behind] Even with { $fewest_shots } image(s) per class the random init is ahead of the text init ({ PCT($random_init_fewest_shots_top1) } vs { PCT($text_init_fewest_shots_top1) }): the prompt's embeddings are a weak prior for these classes.
       *[none] {""}
    }
plot-val-accuracy = Validation accuracy during training
plot-few-shot = Few-shot test accuracy

q3e-probe = **(e) Linear probe.** The text encoder is dropped: one fully connected layer with bias ({ $probe_trainable } parameters) on the unit-length image features of the frozen image encoder, trained with cross-entropy on { $train_images } training images; learning rate and weight decay chosen on { $validation_images } held-out training images ({ $probe_setting ->
            [none] { $probe_choice }
           *[other] { $probe_setting }
        }). It reaches **{ PCT($probe_top1) }** top-1 on test against { PCT($zero_shot_top1) } zero-shot ({ POINTS($probe_minus_zero_shot) } points).{ $probe_vs_lbfgs ->
        [none] {""}
        [level] {" "}The CLIP paper's reference, L2-regularised logistic regression fitted by L-BFGS with its strength chosen on validation ({ $lbfgs_setting ->
            [none] { $lbfgs_choice }
           *[other] { $lbfgs_setting }
        }), reaches { PCT($lbfgs_top1) }; the gradient-descent probe is level with it ({ POINTS($probe_minus_lbfgs) } points, within half a point).
       *[other] {" "}The CLIP paper's reference, L2-regularised logistic regression fitted by L-BFGS with its strength chosen on validation ({ $lbfgs_setting ->
            [none] { $lbfgs_choice }
           *[other] { $lbfgs_setting }
        }), reaches { PCT($lbfgs_top1) }; the gradient-descent probe is { POINTS($probe_minus_lbfgs) } points from it.
    }{ $fewest_shots ->
        [none] {""}
       *[other] {" "}{ $probe_matches_zero_shot_at ->
                [none] Within the shots studied the probe does not match zero-shot CLIP: the prompt is worth more labelled images than it was given.
               *[other] The probe needs { $probe_matches_zero_shot_at } training images per class to match zero-shot CLIP (the CLIP paper found about 4 on average over its data sets): that many labelled images are what the prompt is worth.
            }
    }
q3e-against-d = { $text_init_vs_probe_at_fewest ->
        [ahead] With { $fewest_shots } image(s) per class the text-initialised head of (d1) ({ PCT($text_init_fewest_top1) }) is ahead of the linear probe ({ PCT($probe_fewest_top1) }): the probe starts from nothing and must find { $classes } class directions in a handful of images, while the head starts as zero-shot CLIP, whose directions came from language.
        [level] With { $fewest_shots } image(s) per class the linear probe ({ PCT($probe_fewest_top1) }) and the text-initialised head of (d1) ({ PCT($text_init_fewest_top1) }) are level, within half a point.
        [behind] Even with { $fewest_shots } image(s) per class the linear probe ({ PCT($probe_fewest_top1) }) is ahead of the text-initialised head of (d1) ({ PCT($text_init_fewest_top1) }).
       *[none] {""}
    } { $probe_meets_text_init_at ->
        [none] Within the shots studied the probe never catches up with the text-initialised head.
       *[other] They meet at { $probe_meets_text_init_at } images per class: from there the labelled images carry more than the prompt, and the probe's extra freedom (a bias, and weights not tied to unit length) pays off.
    } On the full training set the probe is { POINTS($probe_minus_text_init_full) } points from it.
plot-few-shot-d-e = Few-shot test accuracy of (d) and (e)
plot-probe-val-accuracy = Linear probe: validation accuracy

q3f-models = **(f) The larger model.** { $large_model } reaches **{ PCT($large_top1) }** top-1 against { PCT($base_top1) } for { $base_model } ({ POINTS($top1_gain) } points). It is better on { $classes_improved } of { $classes_compared } classes and worse on { $classes_worsened }.
q3f-scale = { $scale ->
        [ahead] Scale pays off: a wider and deeper image tower (and, for the LAION checkpoints, 34 B rather than 13 B training samples seen) separates look-alike classes that the smaller model mixes up; the largest gain is on { $biggest_gain_class } ({ POINTS($biggest_gain) } points of F1).
        [level] The two models are level in top-1 (within half a point): the larger model's extra capacity is not what limits these classes, though individual classes move; the largest gain is on { $biggest_gain_class } ({ POINTS($biggest_gain) } points of F1).
       *[behind] Here scale does not pay off: the larger model is less accurate overall, so its extra capacity is not what limits these classes; its largest gain is still on { $biggest_gain_class } ({ POINTS($biggest_gain) } points of F1).
    } The largest loss is on { $biggest_loss_class } ({ POINTS($biggest_loss) } points).{ $ensemble80_gain ->
        [none] {""}
       *[other] {" "}With the 80-template ensemble the larger model changes top-1 by { POINTS($ensemble80_gain) } points; its best prompt is "{ $large_best_prompt }" (the smaller model's: "{ $base_best_prompt }").
    }
q3f-adaptation = The classifiers of (d) and (e) on both models. In zero-shot the larger model leads by { POINTS($zero_shot_gap) } points; between the best adapted classifiers ({ $best_base } on the smaller model, { $best_large } on the larger) the lead is { POINTS($adapted_gap) } points.{ $gap_after_adaptation ->
        [behind] {" "}Training on labelled images narrows the gap: part of what scale buys in zero-shot, better class directions, the smaller model can learn from the training set; what remains is the better image features.
        [level] {" "}Training on labelled images leaves the gap as it was (within half a point): the larger model's advantage lies in its image features, which adaptation of the head cannot give the smaller one.
        [ahead] {" "}Training on labelled images widens the gap: the larger model's features gain more from the labels than the smaller model's.
       *[none] {""}
    }
