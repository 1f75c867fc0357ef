# Question 2: MoCo (He, Fan, Wu, Xie, Girshick, CVPR 2020; MoCo v2: Chen, Fan, Girshick, He,
# 2020). Facts about the papers come from ../shared/REFERENCE.md (Q2); numbers are this run's.

q2-setup = **Setup.** Every run below pre-trains a { $encoder } encoder ({ $standard_width ->
        [true] torchvision's layout
       *[false] torchvision's layout narrowed to { $width } channels in its first stage so the run fits the machine
    }, { $encoder_params } parameters with the head) by MoCo v2 on { $train_images } unlabelled images of { $dataset } at { $image_size } × { $image_size } pixels: the CIFAR stem, BatchNorm split into { $bn_splits } groups to emulate shuffled BN on one device (as the official CIFAR-10 demo does), a 2-layer MLP head to { $dim } dimensions, temperature τ = { NUM($temperature) }, batches of { $batch_size }, SGD (momentum 0.9, weight decay { NUM($weight_decay) }) with a cosine schedule from { NUM($lr) }, and MoCo v2's augmentations (random resized crop, colour jitter with p = 0.8, grayscale with p = 0.2, flip; blur from 64 pixels up) drawn per image from the seed. { $evaluated ->
        [true] The encoders are scored without ever having seen a label: a kNN monitor (k = { $knn_k }, temperature-weighted votes, as the official demo) and a linear classifier on the frozen features, both given the labels of { PCT($label_fraction, digits: 0) } of the training images ({ $labelled_images }) and measured on { $test_images } test images.
       *[other] The images have no labels (no class sub-folders), so the encoders cannot be scored here: only the training curves and the keys' consistency are reported.
    }
q2-skipped = { $skipped_images } file(s) of the image folder could not be used and were skipped: { $skipped_examples }.

q2-answer-a = **(a) The momentum coefficient.** MoCo keeps a dictionary of keys encoded by a *key encoder* that receives no gradient; its parameters follow the query encoder as a moving average, θk ← m·θk + (1 − m)·θq. The keys in the queue were computed over many past steps, so for the contrastive comparison to be meaningful they must come from encoders that are nearly the same: the momentum makes the key encoder evolve slowly and keeps the dictionary *consistent*. If m is too small, the key encoder changes as fast as the query encoder: keys queued a few steps ago and the new keys live in different feature spaces, the query can tell old from new keys by their encoder rather than by their image, and learning breaks down; at m = 0 (the key encoder is a copy of the query encoder) the paper reports that training fails, the loss oscillates and does not converge. If m is too close to 1, the key encoder hardly moves away from its random start: the keys are consistent but poor, and progress is slow. The paper's ablation (ResNet-50, K = 4096, ImageNet linear evaluation) gives 55.2% at m = 0.9, 57.8% at 0.99, 59.0% at 0.999 and 58.9% at 0.9999, with m = 0 failing: a slowly evolving key encoder is a core ingredient, and its default is m = 0.999.

q2-study-momentum = **Study (a): the momentum in our runs.** The same encoder, data and seed are trained { $steps } steps with K = { $queue } for m = { $values }. Besides the loss and the kNN accuracy, the keys' consistency is measured directly half-way through training: every batch in the queue is encoded again, same images, same augmented views, same shuffle, by the key encoder of that moment, and the cosine between the queued key and the recomputed one is averaged per batch; the x-axis is the batch's age in steps (the oldest batches are { $oldest_age } steps old).
q2-momentum-result = { $zero_vs_best ->
        [behind] In our runs m = 0 reaches { PCT($zero_knn) } kNN accuracy, { GAP($zero_gap) } points below the best momentum (m = { $best_m }, { PCT($best_knn) }),
        [level] In our runs m = 0 reaches { PCT($zero_knn) } kNN accuracy, level with the best momentum (m = { $best_m }, { PCT($best_knn) }), so on this short run the failure the paper reports does not show in the accuracy,
        [ahead] In our runs m = 0 reaches { PCT($zero_knn) } kNN accuracy, above every other momentum, which contradicts the paper on this short run,
       *[other] The best kNN accuracy of our runs is { PCT($best_knn) }, at m = { $best_m },
    } { $zero_loss_vs_best ->
        [ahead] and its loss ends at { NUM($zero_loss, digits: 3) } against { NUM($best_loss, digits: 3) } for the best run: with m = 0 the query cannot tell its positive from the negatives better than at the start (log(1 + K) is the loss of a uniform guess), the behaviour the paper describes as failing to converge.
        [level] and its loss ends level with the best run's ({ NUM($zero_loss, digits: 3) } against { NUM($best_loss, digits: 3) }).
        [behind] and its loss ends lower than the best run's ({ NUM($zero_loss, digits: 3) } against { NUM($best_loss, digits: 3) }): a lower contrastive loss does not mean better features here, since with m = 0 the keys can be told apart by the encoder that made them.
       *[other] (the run without momentum was not part of the study).
    } { $zero_stuck ->
        [true] With m = 0 the loss never got below { NUM($uniform_loss, digits: 3) } = log(1 + K), the loss of a uniform guess among the positive and the K negatives: the encoder did not learn to find its positive at all. Its keys then agree trivially with their recomputed selves, so that run's consistency curve says nothing.
       *[other] {""}
    } { $stuck_count ->
        [0] {""}
       *[other] Runs whose loss stayed within 1% of that uniform guess: m = { $stuck_values }.
    } { $zero_consistency_vs_largest ->
        [behind] The consistency curves show why: with m = 0 the oldest queued keys keep a cosine of only { NUM($zero_oldest_cos, digits: 3) } with their recomputed selves, against { NUM($largest_oldest_cos, digits: 3) } at m = { $largest_m }; with a fast key encoder the queue holds keys of many different encoders.
        [level] The consistency of the oldest queued keys is about the same with m = 0 ({ NUM($zero_oldest_cos, digits: 3) }) as at m = { $largest_m } ({ NUM($largest_oldest_cos, digits: 3) }) on this run: the encoders barely moved during the queue's lifetime.
        [ahead] The oldest queued keys are more consistent with m = 0 ({ NUM($zero_oldest_cos, digits: 3) }) than at m = { $largest_m } ({ NUM($largest_oldest_cos, digits: 3) }) on this run, against the expectation.
       *[other] {""}
    } { $largest_vs_best ->
        [behind] At the other end, m = { $largest_m } scores { PCT($largest_knn) }, { GAP($largest_gap) } points below the best: the key encoder stays close to its random start for most of a short run, so the keys are consistent but uninformative; the paper's longer runs leave more time and see almost no loss at 0.9999.
        [level] At the other end, m = { $largest_m } scores { PCT($largest_knn) }, level with the best: as in the paper, a very large momentum costs little.
        [ahead] At the other end, m = { $largest_m } is itself the best ({ PCT($largest_knn) }).
       *[other] {""}
    }

q2-answer-b = **(b) The queue of negatives.** Contrastive learning is a dictionary look-up: the query must pick its positive key out of many negatives, and the paper argues that the dictionary should be large (to sample the continuous space of images well) and consistent. In an end-to-end setup the negatives are the other keys of the same batch, so the dictionary size equals the batch size and is limited by memory; a memory bank can be large but its entries were computed at many different past encoders and are inconsistent. MoCo keeps a queue: each step enqueues the current batch's keys and dequeues the oldest batch, so the dictionary size K is decoupled from the batch size, the negatives cost no back-propagation, and, with the momentum encoder, the keys in it stay consistent because only the most recent batches are kept. The paper's comparison of the three mechanisms shows accuracy rising with K and MoCo reaching large K that end-to-end training cannot; its defaults are K = 65,536 for ImageNet, and 4,096 in the official CIFAR-10 demo.
q2-study-queue = **Study (b): the queue size in our runs.** The same runs with m = { $momentum } and K = { $sizes } ({ $steps } steps each); K = 0 uses only the batch's other keys as negatives (the end-to-end dictionary).
q2-queue-result = { $largest_vs_smallest ->
        [ahead] The largest queue (K = { $largest_k }) scores { PCT($largest_knn) }, { GAP($growth_gap) } points above the smallest (K = { $smallest_k }, { PCT($smallest_knn) }){ $monotone ->
            [true] , and accuracy does not fall as K grows: more negatives make the look-up harder and the features better, as in the paper.
           *[other] , although not every step up in K helped on this run.
        }
        [level] The largest queue (K = { $largest_k }, { PCT($largest_knn) }) is level with the smallest (K = { $smallest_k }, { PCT($smallest_knn) }): on this short run the number of negatives did not change the accuracy; the paper's gains from K come over long ImageNet training.
        [behind] The largest queue (K = { $largest_k }, { PCT($largest_knn) }) scores { GAP($growth_gap) } points below the smallest (K = { $smallest_k }, { PCT($smallest_knn) }): on this short run a long queue holds keys from older encoders, and that cost outweighed the benefit of more negatives.
       *[other] The best queue size of our runs is K = { $best_k } ({ PCT($best_knn) }).
    } { $in_batch_vs_best ->
        [behind] Using only in-batch negatives (K = 0) gives { PCT($in_batch_knn) }, { GAP($in_batch_gap) } points below the best queue.
        [level] Using only in-batch negatives (K = 0) gives { PCT($in_batch_knn) }, level with the best queue on this run.
        [ahead] Using only in-batch negatives (K = 0) gives { PCT($in_batch_knn) }, the best of the study on this run.
       *[other] {""}
    } { $inconsistent_vs_consistent ->
        [behind] A queue of the same size filled by a key encoder without momentum (m = { $inconsistent_m }) falls to { PCT($inconsistent_knn) }, { GAP($inconsistent_gap) } points lower: the size of the dictionary helps only when its keys are consistent, which is what the momentum encoder buys.
        [level] A queue of the same size filled by a key encoder without momentum (m = { $inconsistent_m }) scores { PCT($inconsistent_knn) }, level with the consistent queue on this run.
        [ahead] A queue of the same size filled by a key encoder without momentum (m = { $inconsistent_m }) scores { PCT($inconsistent_knn) }, above the consistent queue on this run, against the paper's argument.
       *[other] {""}
    }

q2-answer-c = **(c) 2,000 MRI images augmented offline to 22,000.** MoCo's pretext task is instance discrimination: every training image is its own class, the positive of a query is another view of the same image, and every other key is a negative. Making 10 augmented copies of each scan offline and training on the 22,000 as independent instances therefore does not add information, it changes the task for the worse. (1) Each copy is treated as a different instance, so the other copies of the same scan become *negatives*: the loss pushes apart images that show the same anatomy, these false negatives contradict the positive pair, and the encoder is rewarded for telling copies apart by the augmentation itself (crop position, contrast, colour), which is exactly the information MoCo's augmentations are meant to make it ignore; Huynh et al. (WACV 2022) study this effect and remove such false negatives ("false-negative cancellation"). (2) The copies add no new views: MoCo already draws fresh random views of each image at every epoch, so 10 fixed copies are a finite sample of what online augmentation produces anyway, and augmenting them again online compounds the distortions. (3) With the same training budget each real scan is simply visited as often as before, only spread over copies. So the final classification accuracy should not rise as if there were 22,000 real scans; it stays about the same as with online augmentation alone, or falls, depending on how many copies land in the queue as negatives; removing them (or counting them as positives) recovers the loss.
q2-study-offline = **Study (c): the analogue in our runs.** { $originals } images drawn by seed stand in for the 2,000 scans (their labels are used only to score), each with { $copies } offline copies made with the same augmentation recipe. The settings are trained { $steps } steps each, with K = { $queue }, for { $seeds } seed(s): (1) the originals with online augmentation only; (2) the { $offline_images } originals and copies as independent instances; (3) the same with the copies of the query's own image left out of its negatives (cancellation) and (4) with them counted as further positives (attraction){ $full_reference ->
        [true] ; (5) for reference, every training image ({ $reference_images })
       *[other] {""}
    }. Equal steps mean (1) sees each original about { $epochs_online } times and (2)–(4) each instance about { $epochs_offline } times. The scores use the labels of { $labelled } originals; the table gives mean and standard deviation over the seeds, and how many of the queue's negatives were copies of the query's own image, per query (a uniformly mixed queue would hold { NUM($expected_same_source, digits: 2) }).
q2-offline-result = { $metric ->
        [linear] With the linear classifier
       *[other] With the kNN classifier
    }, online augmentation alone scores { PCT($online_score) }{ $several_seeds ->
        [true] {" "}(± { GAP($online_score_std) })
       *[other] {""}
    } and the 22,000-style set { PCT($offline_score) }: { $offline_vs_online ->
        [behind] offline copies cost { GAP($gap_offline) } points, with { NUM($offline_same_source, digits: 2) } copies of its own image among each query's negatives on average.
        [level] offline copies change nothing measurable (within half a point) although each query met { NUM($offline_same_source, digits: 2) } copies of its own image among its negatives on average; with this budget the repelled copies cost no accuracy, and they certainly bought none: 22,000 copies are not 22,000 scans.
       *[ahead] here offline copies help by { GAP($gap_offline) } points. The copies' augmentations stack on the online ones and act as stronger augmentation for this data, which outweighed the { NUM($offline_same_source, digits: 2) } false negatives per query; this is a property of this run, not a reason to expect 22,000 scans' worth of benefit.
    } { $cancel_vs_offline ->
        [ahead] Cancelling the false negatives recovers { GAP($gap_cancel) } points ({ PCT($offline_cancel_score) }),
        [level] Cancelling the false negatives scores { PCT($offline_cancel_score) }, level with plain offline copies,
        [behind] Cancelling the false negatives scores { PCT($offline_cancel_score) }, { GAP($gap_cancel) } points below plain offline copies,
       *[other] {""}
    } { $attract_vs_offline ->
        [ahead] and counting them as positives gains { GAP($gap_attract) } points ({ PCT($offline_attract_score) }).
        [level] and counting them as positives scores { PCT($offline_attract_score) }, level with plain copies.
        [behind] and counting them as positives scores { PCT($offline_attract_score) }, { GAP($gap_attract) } points below plain copies.
       *[other] {""}
    } { $full_vs_online ->
        [ahead] Every training image ({ PCT($all_images_score) }) is { GAP($gap_all) } points above the 2,000 with online augmentation: what more *real* images give, and copies do not.
        [level] Every training image scores { PCT($all_images_score) }, level with the 2,000 on this budget.
        [behind] Every training image scores { PCT($all_images_score) }, below the 2,000 on this budget (the same number of steps spreads over many more images).
       *[other] {""}
    }

q2-recommendation = **Recommendation for the MRI case.** Do not count offline copies as new images. Keep 2,000 instances and put the variety into online augmentation chosen for MRI: random resized crops that keep the anatomy in view, small rotations and scale changes, intensity, contrast and gamma changes and mild noise or blur, flips only where the anatomy is symmetric; colour jitter and grayscale do nothing to single-channel scans. If copies are kept anyway, keep the identity of each copy's source and remove copies of the query's scan from its negatives (or make them extra positives), and use a queue smaller than the number of distinct scans so that a scan's own earlier keys do not return as negatives. Start from an encoder pre-trained on a much larger corpus (ImageNet, or a larger collection of medical images) and continue self-supervised training on the MRI scans rather than training from scratch on 2,000 images. Finally, report what matters, accuracy with the small labelled set (a linear probe or light fine-tuning, with cross-validation and the spread over seeds), as the study above does.

plot-q2-momentum-loss = Training loss by momentum m
plot-q2-momentum-knn = kNN accuracy by momentum m
plot-q2-consistency = Key consistency half-way: cosine of a queued key with its recomputed self, by age
plot-q2-queue-knn = kNN accuracy by queue size K
plot-q2-offline-knn = Study (c), first seed: kNN accuracy by setting
axis-age = age in the queue (steps)
series-momentum___loss = m = { $value }
series-momentum___knn = m = { $value }
series-momentum___consistency = m = { $value }
series-queue___knn = K = { $value }
series-inconsistent___knn = K = { $value }, no momentum

term-study_momentum = (a) momentum
term-study_queue = (b) queue size
term-study_offline = (c) offline copies
term-online = 2,000, online augmentation only
term-offline = 22,000 with offline copies
term-offline_cancel = 22,000, false negatives cancelled
term-offline_attract = 22,000, false negatives as positives
term-all_images = every training image

col-study = study
col-momentum = momentum m
col-queue = queue K
col-knn_accuracy = kNN accuracy
col-linear_accuracy = linear accuracy
col-oldest_key_cosine = oldest keys' cosine
col-seconds = seconds
col-training_images = training images
col-knn_std = kNN ± std
col-linear_std = linear ± std
col-same_source_negatives = own copies among negatives (per query)
col-seed = seed
